"""A small, safe evaluator for the expr-lang syntax used by `silo.if` / `silo.modify` templates.

Source text is tokenized and parsed (Pratt) into a tree of nodes that evaluate themselves
against an environment dict; nothing is ever handed to Python's eval/exec/compile, no Python
attribute is ever read (member access is dict lookup only), and only the builtins listed in
_FUNCTIONS / _PREDICATES can be called.

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
"""

import json
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Expression",
    "compile_expr",
    "evaluate",
    "truthy",
]

MAX_LENGTH = 10_000
MAX_DEPTH = 100
MAX_PATTERN = 500
MAX_STEPS = 100_000  # predicate iterations per evaluation: nested count(...) is quadratic
# Balanced trees of * or + grow results exponentially in their depth.
MAX_INT_BITS = 4096
MAX_STRING = 1_000_000
_TOO_DEEP = f"expression is nested more than {MAX_DEPTH} levels deep"


class ExprError(Exception):
    """A syntax error (from compile_expr) or a runtime error (from evaluate)."""

    def __init__(self, message: str, position: int):
        super().__init__(message, position)  # both in args, so that it pickles
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} at {self.position}"


# -- Values ---------------------------------------------------------------------------------

_DECIMAL_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")


def truthy(value: Any) -> bool:
    """nil, false, zero and empty strings, arrays and maps are false; all else is true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) > 0
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _is_array(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _type_name(value: Any) -> str:
    if value is None:
        return "nil"
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


_TYPE_NAMES = [
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (Decimal, "decimal"),
    (str, "string"),
    (list | tuple, "array"),
    (Mapping, "map"),
]


def _clip(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'string "{_clip(value)}"'
    if value is None or isinstance(value, bool | int | float | Decimal):
        return f"{_type_name(value)} {_to_string(value)}"
    return _type_name(value)


def _to_string(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if _is_number(value):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def _as_decimal(value: Any) -> Decimal | None:
    """Numbers and decimal-looking strings ("1970.20") as Decimal; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # so that 0.1 equals "0.1"
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) and isinstance(b, str):
        # Text equality, even for numeric strings: codes such as "0034" and "34" differ.
        return a == b
    da, db = _as_decimal(a), _as_decimal(b)
    if da is not None and db is not None:
        return da == db
    if _is_array(a) and _is_array(b):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _order(a: Any, b: Any, op: str, pos: int) -> bool:
    da, db = _as_decimal(a), _as_decimal(b)
    if da is not None and db is not None:
        a, b = da, db
    elif not (isinstance(a, str) and isinstance(b, str)):
        raise ExprError(f"cannot compare {_describe(a)} and {_describe(b)} with '{op}'", pos)
    try:
        return _ORDERINGS[op](a, b)
    except ArithmeticError:
        raise ExprError(f"cannot compare {_describe(a)} and {_describe(b)}", pos) from None


def _number_pair(a: Any, b: Any) -> tuple[Any, Any]:
    # Decimal and float refuse to mix in Python arithmetic.
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _as_decimal(a), _as_decimal(b)
    return a, b


def _arithmetic(a: Any, b: Any, op: str, pos: int) -> Any:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        if len(a) + len(b) > MAX_STRING:
            raise ExprError(f"string result is longer than {MAX_STRING} characters", pos)
        return a + b
    if not (_is_number(a) and _is_number(b)):
        raise ExprError(f"cannot apply '{op}' to {_describe(a)} and {_describe(b)}", pos)
    a, b = _number_pair(a, b)
    if op in ("/", "%") and b == 0:
        raise ExprError("division by zero", pos)
    try:
        result = _modulo(a, b, pos) if op == "%" else _ARITHMETIC[op](a, b)
    except ArithmeticError as exc:
        raise ExprError(f"arithmetic error: {exc}", pos) from None
    if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
        raise ExprError(f"integer result is larger than {MAX_INT_BITS} bits", pos)
    return result


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _modulo(a: Any, b: Any, pos: int) -> int:
    if not (isinstance(a, int) and isinstance(b, int)):
        raise ExprError(f"'%' needs integers, got {_describe(a)} and {_describe(b)}", pos)
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder  # Go's sign rule: -7 % 3 == -1


def _contains(container: Any, item: Any, op: str, pos: int) -> bool:
    if container is None:
        return False
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise ExprError(f"'{op}' on a string needs a string, got {_describe(item)}", pos)
        return item in container
    if _is_array(container):
        return any(_equal(item, element) for element in container)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            return False
    raise ExprError(f"'{op}' needs an array, map or string, got {_describe(container)}", pos)


def _string_test(a: Any, b: Any, op: str, pos: int) -> bool:
    if a is None or b is None:
        return False
    if not (isinstance(a, str) and isinstance(b, str)):
        raise ExprError(f"'{op}' needs strings, got {_describe(a)} and {_describe(b)}", pos)
    if op == "startsWith":
        return a.startswith(b)
    if op == "endsWith":
        return a.endswith(b)
    if len(b) > MAX_PATTERN:
        raise ExprError(f"pattern is longer than {MAX_PATTERN} characters", pos)
    try:
        return re.search(b, a) is not None
    except re.error as exc:
        raise ExprError(f"invalid pattern: {exc}", pos) from None


_BINARY_EVAL = {
    "==": lambda a, b, op, pos: _equal(a, b),
    "!=": lambda a, b, op, pos: not _equal(a, b),
    **dict.fromkeys(_ORDERINGS, _order),
    **dict.fromkeys(_ARITHMETIC, _arithmetic),
    "%": _arithmetic,
    "in": lambda a, b, op, pos: _contains(b, a, op, pos),
    "contains": _contains,
    "startsWith": _string_test,
    "endsWith": _string_test,
    "matches": _string_test,
}


# -- Builtins -------------------------------------------------------------------------------


def _string_arg(name: str, value: Any, pos: int) -> str:
    if not isinstance(value, str):
        raise ExprError(f"{name}() needs a string, got {_describe(value)}", pos)
    return value


def _len(pos: int, value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise ExprError(f"len() needs a string, array or map, got {_describe(value)}", pos)


def _case(name: str, method):
    def convert(pos: int, value: Any) -> str | None:
        return None if value is None else method(_string_arg(name, value, pos))

    return convert


def _trim(pos: int, value: Any, chars: Any = None) -> str | None:
    if value is None:
        return None
    if chars is not None:
        chars = _string_arg("trim", chars, pos)
    return _string_arg("trim", value, pos).strip(chars)


def _int(pos: int, value: Any) -> int:
    number = _as_decimal(value)
    if number is None or not number.is_finite():
        raise ExprError(f"int() cannot convert {_describe(value)}", pos)
    return int(number)


def _float(pos: int, value: Any) -> float:
    number = _as_decimal(value)
    if number is None:
        raise ExprError(f"float() cannot convert {_describe(value)}", pos)
    return float(number)


def _abs(pos: int, value: Any) -> Any:
    if not _is_number(value):
        raise ExprError(f"abs() needs a number, got {_describe(value)}", pos)
    return abs(value)


# name: (least arguments, most arguments, implementation)
_FUNCTIONS = {
    "len": (1, 1, _len),
    "lower": (1, 1, _case("lower", str.lower)),
    "upper": (1, 1, _case("upper", str.upper)),
    "trim": (1, 2, _trim),
    "string": (1, 1, lambda pos, value: _to_string(value)),
    "int": (1, 1, _int),
    "float": (1, 1, _float),
    "abs": (1, 1, _abs),
}

_PREDICATES = {
    "all": lambda results: all(truthy(r) for _, r in results),
    "any": lambda results: any(truthy(r) for _, r in results),
    "none": lambda results: not any(truthy(r) for _, r in results),
    "one": lambda results: sum(1 for _, r in results if truthy(r)) == 1,
    "count": lambda results: sum(1 for _, r in results if truthy(r)),
    "filter": lambda results: [item for item, r in results if truthy(r)],
    "map": lambda results: [r for _, r in results],
    "find": lambda results: next((item for item, r in results if truthy(r)), None),
}


# -- Evaluation -----------------------------------------------------------------------------


class _Context:
    __slots__ = ("env", "frames", "steps")

    def __init__(self, env: Mapping):
        self.env = env
        self.frames: list[tuple[Any, int]] = []  # (#, #index) of the enclosing predicates
        self.steps = 0

    def run(self, predicate: "_Node", item: Any, index: int) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExprError(f"evaluation took more than {MAX_STEPS} predicate steps", predicate.pos)
        self.frames.append((item, index))
        try:
            return predicate.eval(self)
        finally:
            self.frames.pop()


class _Node:
    __slots__ = ("pos", "depth")

    def __init__(self, pos: int, *children: "_Node | None"):
        self.pos = pos
        self.depth = 1 + max((c.depth for c in children if c is not None), default=0)
        if self.depth > MAX_DEPTH:
            raise ExprError(_TOO_DEEP, pos)

    def eval(self, ctx: _Context) -> Any:
        raise NotImplementedError


class _Literal(_Node):
    __slots__ = ("value",)

    def __init__(self, pos: int, value: Any):
        super().__init__(pos)
        self.value = value

    def eval(self, ctx: _Context) -> Any:
        return self.value


class _Array(_Node):
    __slots__ = ("items",)

    def __init__(self, pos: int, items: list[_Node]):
        super().__init__(pos, *items)
        self.items = items

    def eval(self, ctx: _Context) -> list:
        return [item.eval(ctx) for item in self.items]


class _Name(_Node):
    __slots__ = ("name",)

    def __init__(self, pos: int, name: str):
        super().__init__(pos)
        self.name = name

    def eval(self, ctx: _Context) -> Any:
        return ctx.env if self.name == "$env" else ctx.env.get(self.name)


class _Current(_Node):
    __slots__ = ("slot",)

    def __init__(self, pos: int, slot: int):
        super().__init__(pos)
        self.slot = slot  # 0: the element (#), 1: its index (#index)

    def eval(self, ctx: _Context) -> Any:
        return ctx.frames[-1][self.slot]


class _Member(_Node):
    """`a.b`, `a?.b`, `a[k]` and `a?.[k]`: all of them are nil on nil."""

    __slots__ = ("target", "key")

    def __init__(self, pos: int, target: _Node, key: _Node):
        super().__init__(pos, target, key)
        self.target = target
        self.key = key

    def eval(self, ctx: _Context) -> Any:
        target = self.target.eval(ctx)
        if target is None:
            return None
        key = self.key.eval(ctx)
        if isinstance(target, Mapping):
            try:
                return target.get(key)
            except TypeError:
                raise ExprError(f"cannot use {_describe(key)} as a map key", self.pos) from None
        is_index = isinstance(key, int) and not isinstance(key, bool)
        if not (is_index and isinstance(target, str | list | tuple)):
            raise ExprError(f"cannot read {_describe(key)} of {_describe(target)}", self.pos)
        index = key + len(target) if key < 0 else key
        return target[index] if 0 <= index < len(target) else None


class _Unary(_Node):
    __slots__ = ("op", "operand")

    def __init__(self, pos: int, op: str, operand: _Node):
        super().__init__(pos, operand)
        self.op = op
        self.operand = operand

    def eval(self, ctx: _Context) -> Any:
        value = self.operand.eval(ctx)
        if self.op == "!":
            return not truthy(value)
        if not _is_number(value):
            raise ExprError(f"cannot apply unary '{self.op}' to {_describe(value)}", self.pos)
        return -value if self.op == "-" else value


class _Binary(_Node):
    __slots__ = ("op", "left", "right", "negate")

    def __init__(self, pos: int, op: str, left: _Node, right: _Node, negate: bool):
        super().__init__(pos, left, right)
        self.op = op
        self.left = left
        self.right = right
        self.negate = negate

    def eval(self, ctx: _Context) -> Any:
        result = _BINARY_EVAL[self.op](self.left.eval(ctx), self.right.eval(ctx), self.op, self.pos)
        return not result if self.negate else result


class _Logical(_Node):
    """A flat chain of && (or of ||), so that long chains do not nest."""

    __slots__ = ("op", "operands")

    def __init__(self, pos: int, op: str, operands: list[_Node]):
        super().__init__(pos, *operands)
        self.op = op
        self.operands = operands

    def eval(self, ctx: _Context) -> bool:
        values = (truthy(node.eval(ctx)) for node in self.operands)
        return all(values) if self.op == "&&" else any(values)


class _Coalesce(_Node):
    __slots__ = ("left", "right")

    def __init__(self, pos: int, left: _Node, right: _Node):
        super().__init__(pos, left, right)
        self.left = left
        self.right = right

    def eval(self, ctx: _Context) -> Any:
        value = self.left.eval(ctx)
        return self.right.eval(ctx) if value is None else value


class _Ternary(_Node):
    __slots__ = ("condition", "then", "otherwise")

    def __init__(self, pos: int, condition: _Node, then: _Node, otherwise: _Node):
        super().__init__(pos, condition, then, otherwise)
        self.condition = condition
        self.then = then
        self.otherwise = otherwise

    def eval(self, ctx: _Context) -> Any:
        branch = self.then if truthy(self.condition.eval(ctx)) else self.otherwise
        return branch.eval(ctx)


class _Call(_Node):
    __slots__ = ("function", "args")

    def __init__(self, pos: int, function, args: list[_Node]):
        super().__init__(pos, *args)
        self.function = function
        self.args = args

    def eval(self, ctx: _Context) -> Any:
        return self.function(self.pos, *(arg.eval(ctx) for arg in self.args))


class _PredicateCall(_Node):
    __slots__ = ("name", "subject", "predicate")

    def __init__(self, pos: int, name: str, subject: _Node, predicate: _Node | None):
        super().__init__(pos, subject, predicate)
        self.name = name
        self.subject = subject
        self.predicate = predicate

    def eval(self, ctx: _Context) -> Any:
        items = self.subject.eval(ctx)
        if items is None:
            items = []
        elif not _is_array(items):
            raise ExprError(f"{self.name}() needs an array, got {_describe(items)}", self.pos)
        if self.predicate is None:
            return len(items)
        results = ((item, ctx.run(self.predicate, item, i)) for i, item in enumerate(items))
        return _PREDICATES[self.name](results)


# -- Tokenizer ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number, string, name, hash, op, end
    value: Any
    pos: int
    text: str

    def describe(self) -> str:
        return "end of expression" if self.kind == "end" else f"token '{_clip(self.text)}'"

    def is_op(self, *values: str) -> bool:
        return self.kind == "op" and self.value in values

    def is_word(self, *values: str) -> bool:
        return self.kind == "name" and self.value in values


_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.DOTALL)
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
)
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")
_HASH = re.compile(r"#[A-Za-z_]*")
_OPERATORS = ["??", "?.", "==", "!=", "<=", ">=", "&&", "||", *"()[]{},.:?!<>+-*/%"]
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\", "`": "`"}


def _tokenize(source: str) -> list[_Token]:
    tokens, pos = [], 0
    while True:
        skipped = _SKIP.match(source, pos)
        if skipped:
            pos = skipped.end()
        if source.startswith("/*", pos):
            raise ExprError("unterminated comment", pos)
        if pos >= len(source):
            tokens.append(_Token("end", None, pos, ""))
            return tokens
        token = _next_token(source, pos)
        tokens.append(token)
        pos += len(token.text)


def _next_token(source: str, pos: int) -> _Token:
    char = source[pos]
    if char in "\"'`":
        return _string(source, pos)
    if char.isdigit() or (char == "." and source[pos + 1 : pos + 2].isdigit()):
        return _number(source, pos)
    for pattern, kind in ((_NAME, "name"), (_HASH, "hash")):
        if match := pattern.match(source, pos):
            return _Token(kind, match.group(), pos, match.group())
    for op in _OPERATORS:
        if source.startswith(op, pos):
            if op == "?." and source[pos + 2 : pos + 3].isdigit():
                continue  # `a ?.5 : 1` is a ternary
            return _Token("op", op, pos, op)
    raise ExprError(f"unexpected character '{char}'", pos)


def _number(source: str, pos: int) -> _Token:
    text = _NUMBER.match(source, pos).group()
    digits = text.replace("_", "")
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            value = int(digits, 0)
        elif any(c in text for c in ".eE"):
            value = float(digits)
        else:
            value = int(digits)
    except ValueError:
        raise ExprError(f"invalid number '{_clip(text)}'", pos) from None
    return _Token("number", value, pos, text)


def _string(source: str, pos: int) -> _Token:
    quote, chars, i = source[pos], [], pos + 1
    while i < len(source) and source[i] != quote:
        if source[i] == "\\" and quote != "`":
            char, i = _escape(source, i)
        else:
            char, i = source[i], i + 1
        chars.append(char)
    if i >= len(source):
        raise ExprError("unterminated string", pos)
    return _Token("string", "".join(chars), pos, source[pos : i + 1])


def _escape(source: str, i: int) -> tuple[str, int]:
    code = source[i + 1 : i + 2]
    if code in _ESCAPES:
        return _ESCAPES[code], i + 2
    if code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
        return chr(int(source[i + 2 : i + 6], 16)), i + 6
    raise ExprError(f"unknown escape '\\{code}'", i)


# -- Parser ---------------------------------------------------------------------------------

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


class _Parser:
    def __init__(self, source: str):
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.predicates = 0  # how many predicate arguments enclose the current token

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.token
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def expect(self, op: str) -> _Token:
        if not self.token.is_op(op):
            raise ExprError(f"expected '{op}' but found {self.token.describe()}", self.token.pos)
        return self.advance()

    def unexpected(self, token: _Token | None = None) -> ExprError:
        token = token or self.token
        return ExprError(f"unexpected {token.describe()}", token.pos)

    def parse(self) -> _Node:
        if self.token.kind == "end":
            raise ExprError("empty expression", self.token.pos)
        node = self.expression()
        if self.token.kind != "end":
            raise self.unexpected()
        return node

    def expression(self, min_precedence: int = 0) -> _Node:
        """Pratt loop; every nesting passes through here, so this is where depth is counted."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ExprError(_TOO_DEEP, self.token.pos)
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

    def combine(self, pos: int, op: str, left: _Node, right: _Node, negate: bool) -> _Node:
        if op in ("&&", "||"):
            operands = left.operands if isinstance(left, _Logical) and left.op == op else [left]
            return _Logical(pos, op, [*operands, right])
        if op == "??":
            return _Coalesce(pos, left, right)
        return _Binary(pos, op, left, right, negate)

    def ternary(self, condition: _Node) -> _Node:
        pos = self.advance().pos
        then = self.expression()
        self.expect(":")
        return _Ternary(pos, condition, then, self.expression())

    def unary(self) -> _Node:
        token = self.token
        if token.is_op("!") or token.is_word("not"):
            self.advance()
            return _Unary(token.pos, "!", self.expression(50))
        if token.is_op("-", "+"):
            self.advance()
            return _Unary(token.pos, token.value, self.expression(90))
        return self.postfix(self.primary())

    def postfix(self, node: _Node) -> _Node:
        while True:
            token = self.token
            if token.is_op("."):
                self.advance()
                node = _Member(token.pos, node, self.member_name())
            elif token.is_op("?."):
                self.advance()
                key = self.index_key() if self.token.is_op("[") else self.member_name()
                node = _Member(token.pos, node, key)
            elif token.is_op("["):
                node = _Member(token.pos, node, self.index_key())
            elif token.is_op("("):
                raise ExprError("only builtin functions can be called", token.pos)
            else:
                return node

    def member_name(self) -> _Node:
        token = self.advance()
        if token.kind != "name":
            raise self.unexpected(token)
        return _Literal(token.pos, token.value)

    def index_key(self) -> _Node:
        self.expect("[")
        key = self.expression()
        self.expect("]")
        return key

    def primary(self) -> _Node:
        token = self.advance()
        if token.kind in ("number", "string"):
            return _Literal(token.pos, token.value)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "hash":
            return self.current(token)
        if token.is_op("("):
            node = self.expression()
            self.expect(")")
            return node
        if token.is_op("["):
            return _Array(token.pos, self.items("]"))
        if token.is_op(".") and self.predicates and self.token.kind == "name":
            return _Member(token.pos, _Current(token.pos, 0), self.member_name())
        raise self.unexpected(token)

    def name(self, token: _Token) -> _Node:
        if token.value in _KEYWORDS:
            return _Literal(token.pos, _KEYWORDS[token.value])
        if token.value in _RESERVED:
            raise self.unexpected(token)
        if self.token.is_op("("):
            return self.call(token)
        return _Name(token.pos, token.value)

    def current(self, token: _Token) -> _Node:
        if token.value not in ("#", "#index"):
            raise ExprError(f"unknown predicate variable '{token.value}'", token.pos)
        if not self.predicates:
            raise ExprError(f"'{token.value}' can only be used inside a predicate", token.pos)
        return _Current(token.pos, 0 if token.value == "#" else 1)

    def items(self, closing: str, predicate_at: int | None = None) -> list[_Node]:
        items: list[_Node] = []
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

    def predicate(self) -> _Node:
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

    def call(self, token: _Token) -> _Node:
        name = token.value
        if name not in _FUNCTIONS and name not in _PREDICATES:
            raise ExprError(f"unknown function '{name}'", token.pos)
        self.expect("(")
        args = self.items(")", predicate_at=1 if name in _PREDICATES else None)
        least, most, function = _FUNCTIONS.get(name) or (1 if name == "count" else 2, 2, None)
        if not least <= len(args) <= most:
            expected = str(least) if least == most else f"{least} or {most}"
            noun = "argument" if most == 1 else "arguments"
            raise ExprError(f"{name}() takes {expected} {noun}, got {len(args)}", token.pos)
        if function is None:
            return _PredicateCall(token.pos, name, args[0], args[1] if len(args) > 1 else None)
        return _Call(token.pos, function, args)


# -- Public API -----------------------------------------------------------------------------


class Expression:
    """A parsed expression: immutable, so one instance serves every job and thread."""

    __slots__ = ("source", "_root")

    def __init__(self, source: str, root: _Node):
        self.source = source
        self._root = root

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, env: Mapping | None = None) -> Any:
        try:
            return self._root.eval(_Context(env if env is not None else {}))
        except RecursionError:
            # MAX_DEPTH keeps well within Python's limit; this is for callers already deep.
            raise ExprError(_TOO_DEEP, 0) from None


@lru_cache(maxsize=1024)
def compile_expr(source: str) -> Expression:
    if not isinstance(source, str):
        raise ExprError(f"an expression must be a string, not {_type_name(source)}", 0)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    try:
        return Expression(source, _Parser(source).parse())
    except RecursionError:
        raise ExprError(_TOO_DEEP, 0) from None


def evaluate(source: str, env: Mapping | None = None) -> Any:
    return compile_expr(source).evaluate(env)
