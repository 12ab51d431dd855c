"""GOBL's generic tests, compiled from the words GOBL prints for them ("present", "one of [a,
b]", "matches ^\\d{5}$", "ext require [k]"): each becomes a function of the value and the
context, built once at import. Named predicates ("has tax point") come from `predicates`.

The semantics are those of GOBL's `rules/is` and `tax.Extensions` tests, over JSON instead of
Go values: a missing member is Go's nil; "", [] and {} are Go's empty values; an amount is
present even when zero (GOBL's amounts are structs, never empty).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from . import addon_predicates, predicates  # noqa: F401 -- the add-ons' register themselves


@dataclass(frozen=True, slots=True)
class Check:
    text: str
    run: object  # (value, context) -> bool
    known: bool = True


def compile_test(text: str) -> Check:
    named = predicates.NAMED.get(text)
    if named is not None:
        return Check(text, named)
    for pattern, build in PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return Check(text, build(*found.groups()))
    return Check(text, passes, known=False)


def passes(value, context) -> bool:
    return True


# --- Presence


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def present(value, context) -> bool:
    # is_empty() inline: "present" is the test of most assertions, on every line.
    return not (value is None or value == "" or value == [] or value == {} or value is False)


def empty(value, context) -> bool:
    return is_empty(value)


def nil(value, context) -> bool:
    return value is None


def not_nil(value, context) -> bool:
    return value is not None


def not_zero(value, context) -> bool:
    """cal.Date, num.Amount: a zero date is no date; an amount is zero by its value."""
    if is_empty(value):
        return False
    number = decimal(value)
    return number is None or number != 0


# --- Values


def decimal(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return Decimal(str(value).rstrip("%"))
    except InvalidOperation:
        return None


def one_of(values: str):
    allowed = frozenset(words(values))

    def test(value, context) -> bool:
        return value is None or scalar(value) in allowed

    return test


def not_one_of(values: str):
    refused = frozenset(words(values))

    def test(value, context) -> bool:
        return value is None or scalar(value) not in refused

    return test


def scalar(value):
    return value if isinstance(value, str) else str(value)


def words(values: str) -> list[str]:
    return [v.strip() for v in values.split(",") if v.strip()]


def at_least(minimum: str, maximum: str | None = None):
    low = Decimal(minimum)
    high = Decimal(maximum) if maximum is not None else None

    def test(value, context) -> bool:
        if is_empty(value):
            return True
        number = decimal(value)
        if number is None:
            return False
        return number >= low and (high is None or number <= high)

    return test


def minimum_zero(minimum: str):
    return at_least(minimum)


def length_between(low: str, high: str):
    """GOBL counts a string's bytes (Go's len), and ignores empty values; a bound of 0 is
    no bound."""
    low_n, high_n = int(low), int(high)

    def test(value, context) -> bool:
        if is_empty(value):
            return True
        size = len(value.encode()) if isinstance(value, str) else len(value)
        if low_n == 0 and high_n == 0:
            return size == 0
        return (low_n == 0 or size >= low_n) and (high_n == 0 or size <= high_n)

    return test


def go_regex(pattern: str) -> re.Pattern:
    """Go's RE2 syntax as Python's: only the Unicode classes differ in what GOBL uses."""
    pattern = pattern.replace(r"\p{L}", r"[^\W\d_]").replace(r"\p{M}", "[\u0300-\u036f]")
    return re.compile(pattern)


def matches(pattern: str):
    compiled = go_regex(pattern)

    def test(value, context) -> bool:
        # Go's MatchString searches; an empty or missing value is not checked.
        return not isinstance(value, str) or value == "" or compiled.search(value) is not None

    return test


def be_or_start_with(values: str):
    """A payment means key is one of GOBL's, or one of them with a `+suffix`."""
    allowed = tuple(words(values))

    def test(value, context) -> bool:
        if not isinstance(value, str) or not value:
            return True
        return value in allowed or value.startswith(tuple(f"{a}+" for a in allowed))

    return test


# --- Extensions (tax.Extensions): what is not a map is not checked


def ext_require(keys: str):
    wanted = words(keys)

    def test(value, context) -> bool:
        ext = value if isinstance(value, dict) else {}
        return all(k in ext for k in wanted)

    return test


def ext_exclude(keys: str):
    refused = words(keys)

    def test(value, context) -> bool:
        return not isinstance(value, dict) or not any(k in value for k in refused)

    return test


def ext_allow_one_of(keys: str):
    exclusive = words(keys)

    def test(value, context) -> bool:
        return not isinstance(value, dict) or sum(k in value for k in exclusive) <= 1

    return test


def ext_in(key: str, codes: str):
    allowed = frozenset(words(codes))

    def test(value, context) -> bool:
        return not isinstance(value, dict) or key not in value or value[key] in allowed

    return test


def ext_not_in(key: str, codes: str):
    refused = frozenset(words(codes))

    def test(value, context) -> bool:
        return not isinstance(value, dict) or value.get(key) not in refused

    return test


def ext_matches(key: str, pattern: str):
    compiled = go_regex(pattern)

    def test(value, context) -> bool:
        if not isinstance(value, dict) or key not in value:
            return True
        return isinstance(value[key], str) and compiled.search(value[key]) is not None

    return test


# --- Guards on the context and on common members


def context_regime(codes: str):
    allowed = frozenset(words(codes))
    return lambda value, context: context.regime in allowed


def context_addon(keys: str):
    wanted = frozenset(words(keys))
    return lambda value, context: not wanted.isdisjoint(context.addons)


def member_in(member: str):
    """`invoice type in [..]`, `type in [..]`, `key in [..]`, `code in [..]`: a member of
    the object (an identity's `code in` is its country) among the codes; of a list (org's
    `has a type in [..]` on identities), a member of one of its objects."""

    def build(codes: str):
        allowed = frozenset(words(codes))

        def test(value, context) -> bool:
            if isinstance(value, str):
                return value in allowed
            if isinstance(value, list):
                return any(isinstance(v, dict) and v.get(member) in allowed for v in value)
            return isinstance(value, dict) and value.get(member) in allowed

        return test

    return build


def code_or_one_of(pattern: str, values: str):
    """org.Unit: a UN/ECE code, or one of GOBL's own unit names."""
    compiled, allowed = go_regex(pattern), frozenset(words(values))

    def test(value, context) -> bool:
        return not isinstance(value, str) or value in allowed or bool(compiled.search(value))

    return test


PATTERNS = [
    (re.compile(r"matches (\S+), or one of \[(.*)\]", re.S), code_or_one_of),
    (re.compile(r"one of \[(.*)\]", re.S), one_of),
    (re.compile(r"not one of \[(.*)\]", re.S), not_one_of),
    (re.compile(r"at least (-?[\d.]+), at most (-?[\d.]+)"), at_least),
    (re.compile(r"min (-?[\d.]+)"), minimum_zero),
    (re.compile(r"length between (\d+) and (\d+)"), length_between),
    (re.compile(r"matches (.+)", re.S), matches),
    (re.compile(r"be or starts with one of \[(.*)\]"), be_or_start_with),
    (re.compile(r"ext require \[(.*)\]"), ext_require),
    (re.compile(r"ext exclude \[(.*)\]"), ext_exclude),
    (re.compile(r"ext allow one of \[(.*)\]"), ext_allow_one_of),
    (re.compile(r"ext '([^']+)' in \[(.*)\]"), ext_in),
    (re.compile(r"ext '([^']+)' not in \[(.*)\]"), ext_not_in),
    (re.compile(r"ext '([^']+)' matches pattern '(.*)'"), ext_matches),
    (re.compile(r"context: regime in \[(.*)\]"), context_regime),
    (re.compile(r"context: addon in \[(.*)\]"), context_addon),
    (re.compile(r"invoice type in \[(.*)\]"), member_in("type")),
    (re.compile(r"has a type in \[(.*)\]"), member_in("type")),
    (re.compile(r"has a key in \[(.*)\]"), member_in("key")),
    (re.compile(r"type in \[(.*)\]"), member_in("type")),
    (re.compile(r"key in \[(.*)\]"), member_in("key")),
    (re.compile(r"code in \[(.*)\]"), member_in("country")),
]

predicates.NAMED.update(
    {
        "present": present,
        "empty": empty,
        "nil": nil,
        "not nil": not_nil,
        "not zero": not_zero,
    }
)
