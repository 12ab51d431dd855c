"""Tokens as a tree of nodes (a Pratt parser; the grammar is in the package's docstring)."""

from .errors import MAX_DEPTH, TOO_DEEP, ExprError
from .lexer import Token, tokenize
from .nodes import (
    Array,
    Binary,
    Call,
    Coalesce,
    Current,
    Literal,
    Logical,
    Member,
    Name,
    Node,
    PredicateCall,
    Ternary,
    Unary,
)
from .values import FUNCTIONS, PREDICATES

_PRECEDENCE = {
    "||": 10,
    "&&": 15,
    **dict.fromkeys(["==", "!=", "<", "<=", ">", ">=", "in", "matches"], 20),
    **dict.fromkeys(["contains", "startsWith", "endsWith"], 20),
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "??": 500,
}
_WORD_OPERATORS = {"or": "||", "and": "&&", "in": "in", "matches": "matches"}
_WORD_OPERATORS |= {"contains": "contains", "startsWith": "startsWith", "endsWith": "endsWith"}
_NEGATABLE = {"in", "matches", "contains", "startsWith", "endsWith"}
_KEYWORDS = {"true": True, "false": False, "nil": None}
_RESERVED = set(_WORD_OPERATORS) | {"not"}


class Parser:
    def __init__(self, source: str):
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0
        self.predicates = 0  # how many predicate arguments enclose the current token

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.token
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expect(self, op: str) -> Token:
        if not self.token.is_op(op):
            raise ExprError(f"expected '{op}' but found {self.token.describe()}", self.token.pos)
        return self.advance()

    def unexpected(self, token: Token | None = None) -> ExprError:
        token = token or self.token
        return ExprError(f"unexpected {token.describe()}", token.pos)

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExprError("empty expression", self.token.pos)
        node = self.expression()
        if self.token.kind != "end":
            raise self.unexpected()
        return node

    def expression(self, min_precedence: int = 0) -> Node:
        """Pratt loop; every nesting passes through here, so this is where depth is counted."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ExprError(TOO_DEEP, self.token.pos)
            left = self.unary()
            while (found := self.binary_operator()) is not None:
                op, negate, width = found
                if _PRECEDENCE[op] < min_precedence:
                    break
                pos = self.token.pos
                self.index += width
                right = self.expression(_PRECEDENCE[op] + 1)
                left = self.combine(pos, op, left, right, negate)
            if min_precedence == 0 and self.token.is_op("?"):
                left = self.ternary(left)
            return left
        finally:
            self.depth -= 1

    def binary_operator(self) -> tuple[str, bool, int] | None:
        """The operator at the cursor, whether it is negated (`not in`), and its token count."""
        token = self.token
        if token.kind == "op" and token.value in _PRECEDENCE:
            return token.value, False, 1
        if token.kind == "name" and token.value in _WORD_OPERATORS:
            return _WORD_OPERATORS[token.value], False, 1
        after = self.tokens[min(self.index + 1, len(self.tokens) - 1)]
        if token.is_word("not") and after.is_word(*_NEGATABLE):
            return after.value, True, 2
        return None

    def combine(self, pos: int, op: str, left: Node, right: Node, negate: bool) -> Node:
        if op in ("&&", "||"):
            operands = left.operands if isinstance(left, Logical) and left.op == op else [left]
            return Logical(pos, op, [*operands, right])
        if op == "??":
            return Coalesce(pos, left, right)
        return Binary(pos, op, left, right, negate)

    def ternary(self, condition: Node) -> Node:
        pos = self.advance().pos
        then = self.expression()
        self.expect(":")
        return Ternary(pos, condition, then, self.expression())

    def unary(self) -> Node:
        token = self.token
        if token.is_op("!") or token.is_word("not"):
            self.advance()
            return Unary(token.pos, "!", self.expression(50))
        if token.is_op("-", "+"):
            self.advance()
            return Unary(token.pos, token.value, self.expression(90))
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.token
            if token.is_op("."):
                self.advance()
                node = Member(token.pos, node, self.member_name())
            elif token.is_op("?."):
                self.advance()
                key = self.index_key() if self.token.is_op("[") else self.member_name()
                node = Member(token.pos, node, key)
            elif token.is_op("["):
                node = Member(token.pos, node, self.index_key())
            elif token.is_op("("):
                raise ExprError("only builtin functions can be called", token.pos)
            else:
                return node

    def member_name(self) -> Node:
        token = self.advance()
        if token.kind != "name":
            raise self.unexpected(token)
        return Literal(token.pos, token.value)

    def index_key(self) -> Node:
        self.expect("[")
        key = self.expression()
        self.expect("]")
        return key

    def primary(self) -> Node:
        token = self.advance()
        if token.kind in ("number", "string"):
            return Literal(token.pos, token.value)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "hash":
            return self.current(token)
        if token.is_op("("):
            node = self.expression()
            self.expect(")")
            return node
        if token.is_op("["):
            return Array(token.pos, self.items("]"))
        if token.is_op(".") and self.predicates and self.token.kind == "name":
            return Member(token.pos, Current(token.pos, 0), self.member_name())
        raise self.unexpected(token)

    def name(self, token: Token) -> Node:
        if token.value in _KEYWORDS:
            return Literal(token.pos, _KEYWORDS[token.value])
        if token.value in _RESERVED:
            raise self.unexpected(token)
        if self.token.is_op("("):
            return self.call(token)
        return Name(token.pos, token.value)

    def current(self, token: Token) -> Node:
        if token.value not in ("#", "#index"):
            raise ExprError(f"unknown predicate variable '{token.value}'", token.pos)
        if not self.predicates:
            raise ExprError(f"'{token.value}' can only be used inside a predicate", token.pos)
        return Current(token.pos, 0 if token.value == "#" else 1)

    def items(self, closing: str, predicate_at: int | None = None) -> list[Node]:
        items: list[Node] = []
        while not self.token.is_op(closing):
            if items:
                self.separator(closing)
                if self.token.is_op(closing):
                    break  # a trailing comma
            items.append(self.predicate() if len(items) == predicate_at else self.expression())
        self.advance()
        return items

    def separator(self, closing: str) -> None:
        if not self.token.is_op(","):
            found = self.token.describe()
            raise ExprError(f"expected ',' or '{closing}' but found {found}", self.token.pos)
        self.advance()

    def predicate(self) -> Node:
        self.predicates += 1
        try:
            if not self.token.is_op("{"):
                return self.expression()
            self.advance()
            node = self.expression()
            self.expect("}")
            return node
        finally:
            self.predicates -= 1

    def call(self, token: Token) -> Node:
        name = token.value
        if name not in FUNCTIONS and name not in PREDICATES:
            raise ExprError(f"unknown function '{name}'", token.pos)
        self.expect("(")
        args = self.items(")", predicate_at=1 if name in PREDICATES else None)
        least, most, function = FUNCTIONS.get(name) or (1 if name == "count" else 2, 2, None)
        if not least <= len(args) <= most:
            expected = str(least) if least == most else f"{least} or {most}"
            noun = "argument" if most == 1 else "arguments"
            raise ExprError(f"{name}() takes {expected} {noun}, got {len(args)}", token.pos)
        if function is None:
            return PredicateCall(token.pos, name, args[0], args[1] if len(args) > 1 else None)
        return Call(token.pos, function, args)
