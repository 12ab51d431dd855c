"""What the expression language's operators and builtin functions do with values."""

import json
import operator
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .errors import MAX_INT_BITS, MAX_PATTERN, MAX_STRING, ExprError, clip

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


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def is_array(value: Any) -> bool:
    return isinstance(value, list | tuple)


def type_name(value: Any) -> str:
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


def describe(value: Any) -> str:
    if isinstance(value, str):
        return f'string "{clip(value)}"'
    if value is None or isinstance(value, bool | int | float | Decimal):
        return f"{type_name(value)} {_to_string(value)}"
    return type_name(value)


def _to_string(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if is_number(value):
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
    if is_array(a) and is_array(b):
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
        raise ExprError(f"cannot compare {describe(a)} and {describe(b)} with '{op}'", pos)
    try:
        return _ORDERINGS[op](a, b)
    except ArithmeticError:
        raise ExprError(f"cannot compare {describe(a)} and {describe(b)}", pos) from None


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
    if not (is_number(a) and is_number(b)):
        raise ExprError(f"cannot apply '{op}' to {describe(a)} and {describe(b)}", pos)
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
        raise ExprError(f"'%' needs integers, got {describe(a)} and {describe(b)}", pos)
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder  # Go's sign rule: -7 % 3 == -1


def _contains(container: Any, item: Any, op: str, pos: int) -> bool:
    if container is None:
        return False
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise ExprError(f"'{op}' on a string needs a string, got {describe(item)}", pos)
        return item in container
    if is_array(container):
        return any(_equal(item, element) for element in container)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            return False
    raise ExprError(f"'{op}' needs an array, map or string, got {describe(container)}", pos)


def _string_test(a: Any, b: Any, op: str, pos: int) -> bool:
    if a is None or b is None:
        return False
    if not (isinstance(a, str) and isinstance(b, str)):
        raise ExprError(f"'{op}' needs strings, got {describe(a)} and {describe(b)}", pos)
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


BINARY = {
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
        raise ExprError(f"{name}() needs a string, got {describe(value)}", pos)
    return value


def _len(pos: int, value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise ExprError(f"len() needs a string, array or map, got {describe(value)}", pos)


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
        raise ExprError(f"int() cannot convert {describe(value)}", pos)
    return int(number)


def _float(pos: int, value: Any) -> float:
    number = _as_decimal(value)
    if number is None:
        raise ExprError(f"float() cannot convert {describe(value)}", pos)
    return float(number)


def _abs(pos: int, value: Any) -> Any:
    if not is_number(value):
        raise ExprError(f"abs() needs a number, got {describe(value)}", pos)
    return abs(value)


# name: (least arguments, most arguments, implementation)
FUNCTIONS = {
    "len": (1, 1, _len),
    "lower": (1, 1, _case("lower", str.lower)),
    "upper": (1, 1, _case("upper", str.upper)),
    "trim": (1, 2, _trim),
    "string": (1, 1, lambda pos, value: _to_string(value)),
    "int": (1, 1, _int),
    "float": (1, 1, _float),
    "abs": (1, 1, _abs),
}

PREDICATES = {
    "all": lambda results: all(truthy(r) for _, r in results),
    "any": lambda results: any(truthy(r) for _, r in results),
    "none": lambda results: not any(truthy(r) for _, r in results),
    "one": lambda results: sum(1 for _, r in results if truthy(r)) == 1,
    "count": lambda results: sum(1 for _, r in results if truthy(r)),
    "filter": lambda results: [item for item, r in results if truthy(r)],
    "map": lambda results: [r for _, r in results],
    "find": lambda results: next((item for item, r in results if truthy(r)), None),
}
