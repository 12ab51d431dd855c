"""A small, safe evaluator for the expr-lang syntax used by `silo.if` / `silo.modify` templates.

Source text is tokenized and parsed (Pratt) into a tree of nodes that evaluate themselves
against an environment dict; nothing is ever handed to Python's eval/exec/compile, no Python
attribute is ever read (member access is dict lookup only), and only the builtins listed in
values.FUNCTIONS / values.PREDICATES can be called.

Grammar, loosest binding first (precedences as in expr-lang):

    expr      := binary ('?' expr ':' expr)?
    binary    := unary (op binary)*        or/||: 10, and/&&: 15,
                                           == != < <= > >= [not] in|contains|matches|
                                           startsWith|endsWith: 20,
                                           + -: 30, * / %: 60, ??: 500
    unary     := ('!' | 'not') binary@50 | ('-' | '+') binary@90 | postfix
    postfix   := primary ('.' name | '?.' name | '[' expr ']' | '?.[' expr ']')*
    primary   := number | string | true | false | nil | name | name '(' args ')'
               | '[' items ']' | '(' expr ')' | '#' | '#index' | '.' name (in predicates)

A predicate (the second argument of all, any, none, one, count, filter, map, find) may be
wrapped in braces. Whitespace includes newlines, `//` and `/* */` comments.

Lenient where the templates rely on it: unknown names, missing keys, members of nil and
out-of-range indexes are all nil. Amounts are strings in GOBL, so a number and a string that
reads as a decimal (or two such strings, when ordering) compare as Decimals.

The package, in the order source text goes through it: lexer (tokens), parser (a tree of
nodes), nodes (the tree, evaluating itself), values (what the operators and builtin functions
do); errors holds ExprError and the limits. Only the names in __all__ are for callers.
"""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .errors import MAX_DEPTH, MAX_LENGTH, TOO_DEEP, ExprError
from .nodes import Context, Node
from .parser import Parser
from .values import truthy, type_name

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Expression",
    "compile_expr",
    "evaluate",
    "truthy",
]


class Expression:
    """A parsed expression: immutable, so one instance serves every job and thread."""

    __slots__ = ("source", "_root")

    def __init__(self, source: str, root: Node):
        self.source = source
        self._root = root

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, env: Mapping | None = None) -> Any:
        try:
            return self._root.eval(Context(env if env is not None else {}))
        except RecursionError:
            # MAX_DEPTH keeps well within Python's limit; this is for callers already deep.
            raise ExprError(TOO_DEEP, 0) from None


@lru_cache(maxsize=1024)
def compile_expr(source: str) -> Expression:
    if not isinstance(source, str):
        raise ExprError(f"an expression must be a string, not {type_name(source)}", 0)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    try:
        return Expression(source, Parser(source).parse())
    except RecursionError:
        raise ExprError(TOO_DEEP, 0) from None


def evaluate(source: str, env: Mapping | None = None) -> Any:
    return compile_expr(source).evaluate(env)
