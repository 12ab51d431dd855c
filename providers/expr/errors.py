"""The expression language's one error, and the limits that keep an evaluation small."""

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_PATTERN = 500
MAX_STEPS = 100_000  # predicate iterations per evaluation: nested count(...) is quadratic
# Balanced trees of * or + grow results exponentially in their depth.
MAX_INT_BITS = 4096
MAX_STRING = 1_000_000
TOO_DEEP = f"expression is nested more than {MAX_DEPTH} levels deep"


class ExprError(Exception):
    """A syntax error (from compile_expr) or a runtime error (from evaluate)."""

    def __init__(self, message: str, position: int):
        super().__init__(message, position)  # both in args, so that it pickles
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} at {self.position}"


def clip(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."
