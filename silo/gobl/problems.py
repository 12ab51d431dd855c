"""What is wrong with a document, by JSON pointer: one format for every check."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # JSON pointer, relative to what was given (an envelope or a document)
    message: str


class Problems:
    """A collector of problems; `at()` gives one that prefixes a nested check's pointers,
    sharing the same list."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.found: list[Problem] = []
        # The pointers already holding a problem: a document with a fault on every one of
        # its thousand lines costs a thousand look-ups, not half a million comparisons.
        self.paths: set[str] = set()

    def add(self, path: str, message: str) -> None:
        """Record a problem; a second one at the same place adds nothing (the calculation
        and the schema often notice the same mistake)."""
        path = self.prefix + path
        if path not in self.paths:
            self.paths.add(path)
            self.found.append(Problem(path, message))

    def at(self, path) -> "Problems":
        nested = Problems(f"{self.prefix}{path}")
        nested.found, nested.paths = self.found, self.paths
        return nested

    def __bool__(self) -> bool:
        return bool(self.found)
