"""What is wrong with a document, by JSON pointer: one format for every check."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # JSON pointer, relative to what was given (an envelope or a document)
    message: str


class Problems:
    """A collector of problems; `at()` gives one that prefixes a nested check's pointers,
    sharing the same list."""

    def __init__(self, prefix: str = "", found: list[Problem] | None = None):
        self.prefix = prefix
        self.found: list[Problem] = [] if found is None else found

    def add(self, path: str, message: str) -> None:
        """Record a problem; a second one at the same place adds nothing (the calculation
        and the schema often notice the same mistake)."""
        path = self.prefix + path
        if all(p.path != path for p in self.found):
            self.found.append(Problem(path, message))

    def at(self, path) -> "Problems":
        return Problems(f"{self.prefix}{path}", self.found)

    def __bool__(self) -> bool:
        return bool(self.found)
