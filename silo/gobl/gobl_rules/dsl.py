"""The shape of a GOBL rule set, as GOBL's `rules` package builds it: a namespace (a package
such as `GOBL-BILL`, a regime `GOBL-ES`, an add-on `GOBL-ES-VERIFACTU`) holds one set per
type it checks; a set narrows to a `field`, to `each` element of a list, or to the objects a
guard accepts (`when`), and its assertions (`check`) fail with a code and a message.

A test is written as GOBL prints it ("present", "one of [a, b]", "has tax point") and
compiled once, at import, by `checks.compile_test`; a name we have no predicate for compiles
to one that always passes (so an unknown rule never refuses a document) and is listed by
`unknown_tests()`, which a test keeps short.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .checks import Check, compile_test
from .predicates import BY_ASSERT

Test = Callable[[object, "Context"], bool]


@dataclass(frozen=True, slots=True)
class Context:
    """What GOBL's rules read besides the object: the document's regime and add-ons."""

    regime: str
    addons: frozenset
    root: dict  # the document, for predicates that look beyond the object (rare)


@dataclass(slots=True)
class Assertion:
    code: str
    message: str
    description: str  # the tests as GOBL prints them, comma separated
    tests: tuple = ()

    def fault(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(slots=True)
class RuleSet:
    code: str = ""
    package: str = ""
    object: str = ""  # the GOBL type the set checks ("bill.Invoice")
    field: str = ""
    each: bool = False
    guard: Test | None = None
    guard_text: str = ""
    asserts: list = dataclass_field(default_factory=list)
    subsets: list = dataclass_field(default_factory=list)


def split_parts(parts) -> tuple[list, list]:
    asserts = [p for p in parts if isinstance(p, Assertion)]
    subsets = [p for p in parts if isinstance(p, RuleSet)]
    return asserts, subsets


def namespace(code: str, package: str, *parts, guard: str = "") -> RuleSet:
    asserts, subsets = split_parts(parts)
    return RuleSet(code=code, package=package, asserts=asserts, subsets=subsets, **guarded(guard))


def on(type_name: str, code: str, *parts) -> RuleSet:
    asserts, subsets = split_parts(parts)
    return RuleSet(code=code, object=type_name, asserts=asserts, subsets=subsets)


def field(name: str, *parts) -> RuleSet:
    asserts, subsets = split_parts(parts)
    return RuleSet(field=name, asserts=asserts, subsets=subsets)


def each(*parts) -> RuleSet:
    asserts, subsets = split_parts(parts)
    return RuleSet(each=True, asserts=asserts, subsets=subsets)


def when(guard: str, *parts) -> RuleSet:
    asserts, subsets = split_parts(parts)
    return RuleSet(asserts=asserts, subsets=subsets, **guarded(guard))


def guarded(guard: str) -> dict:
    """A guard we have no predicate for keeps its subsets off: they would otherwise run
    where GOBL does not run them, and refuse valid documents."""
    if not guard:
        return {}
    test = compile_test(guard)
    if not test.known:
        test = Check(guard, never, known=False)
    return {"guard": test, "guard_text": guard}


def never(value, context) -> bool:
    return False


def check(code: str, message: str, tests: str) -> Assertion:
    own = BY_ASSERT.get(code)  # a test named alike in every country ("valid")
    compiled = (Check(tests, own),) if own is not None else tuple(compile_tests(tests))
    return Assertion(code, message, tests, compiled)


def compile_tests(description: str) -> list:
    """GOBL joins an assertion's tests with ", " ("present, url"); a single test may hold
    that separator itself ("at least 1, at most 999", a regular expression), so the whole
    text is tried first."""
    whole = compile_test(description)
    if whole.known or ", " not in description:
        return [whole]
    parts = [compile_test(part) for part in description.split(", ")]
    return parts if all(part.known for part in parts) else [whole]
