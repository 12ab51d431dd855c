"""Evaluating GOBL's rule sets on a JSON document, as GOBL's `rules.Validate` does on Go
values: every object of a type gets the sets registered for that type, wherever it sits;
a set's assertions run on its object (even a missing one, so that "present" can fail) and its
subsets only on an object that exists.

One walk of the document applies every active namespace at each object (GOBL walks once per
namespace): the same faults, in a different order. What a regime and an add-on list need is
compiled once, into a plan: a function per type, whose source is written from the rule sets
(`source_of()` shows it), with

- the guards that read only the context (`context: regime in [PT]`) already decided: a
  Portuguese rule costs nothing on a Spanish invoice, nor does a test we have no predicate for;
- what a set reports on a missing member worked out once: a line without `period` costs one
  `dict.get`;
- a fault's pointer put together only when there is a fault;
- the members worth walking into, and the texts (codes, keys, dates) found valid once.

The options not taken: interpreting the rule sets as data on every object (12 ms on a 1,000-
line invoice against the build's budget of 50), and the same as nested closures (8 ms: a
call and a loop per rule and per member, on every line).
"""

from collections.abc import Callable
from functools import lru_cache

from ..problems import Problems
from .dsl import Context, RuleSet
from .sets_addons import SETS as ADDON_SETS
from .sets_core import SETS as CORE_SETS
from .sets_fr_ctc import SETS as FR_CTC_SETS
from .sets_mx_cfdi import SETS as MX_CFDI_SETS
from .sets_pt_saft import SETS as PT_SAFT_SETS
from .sets_regimes import SETS as REGIME_SETS
from .types import EMBEDS_ADDONS, FIELDS, LIST, MAP, ONE, root_type

# The add-ons GOBL approves for modules of their own: transcribed from those modules.
EXTERNAL_SETS = PT_SAFT_SETS + MX_CFDI_SETS + FR_CTC_SETS
NAMESPACES: list[RuleSet] = CORE_SETS + REGIME_SETS + ADDON_SETS + EXTERNAL_SETS

Runner = Callable[[object, str, Context, Problems], None]

# Texts found valid for their type are remembered per plan and type, up to this many.
VALID_TEXTS = 2_000

# Types whose objects are mostly texts, and repeat from line to line: a tax combo, a line's
# discount or charge. GOBL's list and map types are not among them (see object_visitor).
FLAT_TYPES = frozenset(
    name
    for name, members in FIELDS.items()
    if all(
        how == ONE and (child not in FIELDS or child == "tax.Extensions")
        for child, how in members.values()
    )
)


def check_document(doc: dict, problems: Problems) -> None:
    type_name = root_type(doc.get("$schema"))
    if type_name is None:
        return
    context = document_context(doc)
    visit = plan_for(context.regime, context.addons).get(type_name)
    if visit is not None:
        visit(doc, "", context, problems)


def document_context(doc: dict) -> Context:
    regime = doc.get("$regime") if isinstance(doc.get("$regime"), str) else ""
    addons = doc.get("$addons") if isinstance(doc.get("$addons"), list) else []
    return Context(regime, frozenset(a for a in addons if isinstance(a, str)), doc)


@lru_cache(maxsize=256)
def plan_for(regime: str, addons: frozenset) -> dict[str, Runner]:
    """For a regime and add-on list, a function per type that checks an object of that
    type and walks into the members that lead to a rule: the sets of the namespaces whose
    guard (an add-on's) the context passes, compiled for that context. The rest of a
    document is not walked."""
    probe = Context(regime, addons, {})
    found: dict[str, list] = {}
    for namespace in NAMESPACES:
        if namespace.guard is not None and not namespace.guard.run(None, probe):
            continue
        for subset in namespace.subsets:
            found.setdefault(subset.object, []).append(subset)
    for type_name in EMBEDS_ADDONS:
        found.setdefault(type_name, []).extend(found.get("tax.Addons", ()))
    checks = {}
    for type_name, sets in found.items():
        compiled = compile_type(type_name, sets, probe)
        if compiled is not None:
            checks[type_name] = compiled
    ruled = frozenset(checks)
    walked = {
        name: {m: spec for m, spec in fields.items() if reaches(spec[0], ruled, frozenset())}
        for name, fields in FIELDS.items()
    }
    # Each type's members point at their type's function, which may be its own (a
    # definition's values are definitions): the tables are filled once all exist.
    tables: dict[str, dict] = {}
    visitors: dict[str, Runner] = {}
    for name in ruled | {n for n, kept in walked.items() if kept}:
        tables[name] = {}
        visitors[name] = object_visitor(
            checks.get(name), tables[name], walked.get(name), name in FLAT_TYPES
        )
    for name, kept in walked.items():
        for member, (child, how) in kept.items():
            visitor = visitors[child]
            valid_texts = getattr(visitor, "valid_texts", NOTHING)
            tables[name][member] = (visitor, how is LIST or how is MAP, valid_texts)
    return visitors


def object_visitor(check: Runner | None, table: dict, kept: dict | None, flat: bool) -> Runner:
    """The function of one type: its sets, then its members (or elements, for GOBL's list
    and map types such as tax.Set and tax.Extensions).

    Codes, keys, dates and units repeat on every line, and so do tax combos and line
    discounts: a text, or a `flat` object (of texts only), found valid for its type once is
    not checked again. Their rules read nothing but the value and the plan's context."""
    valid: set = set()
    elements = kept is not None and ("[]" in kept or "*" in kept)

    def inspect(value, path: str, context: Context, problems: Problems) -> None:
        if check is not None:
            check(value, path, context, problems)
        if elements:
            child, _, _ = table.get("[]") or table["*"]
            visit_many(child, value, path, context, problems)
        elif table and type(value) is dict:
            for name, found in value.items():
                entry = table.get(name)
                if entry is None or found is None:
                    continue
                child, many, valid_texts = entry
                if type(found) is str and found in valid_texts:
                    continue  # the common case on long invoices: nothing new to check
                if many:
                    visit_many(child, found, f"{path}/{name}", context, problems)
                else:
                    child(found, f"{path}/{name}", context, problems)

    if kept is not None and not flat:
        return inspect  # lines, items, parties: they do not repeat

    def visit(value, path: str, context: Context, problems: Problems) -> None:
        key = None
        if type(value) is str:
            key = value
        elif flat and type(value) is dict:
            key = tuple(value.items())
            try:
                hash(key)
            except TypeError:  # a member that is an object or a list
                key = None
        if key is None:
            inspect(value, path, context, problems)
            return
        if key in valid:
            return
        found = Problems(path)
        inspect(value, "", context, found)
        for problem in found.found:
            problems.add(problem.path, problem.message)
        if not found and len(valid) < VALID_TEXTS:
            valid.add(key)

    visit.valid_texts = valid
    return visit


NOTHING = frozenset()  # the texts known valid for an object type


def visit_many(child: Runner, value, path: str, context: Context, problems: Problems) -> None:
    if type(value) is list:
        for index, item in enumerate(value):
            if item is not None:
                child(item, f"{path}/{index}", context, problems)
    elif type(value) is dict:
        for key, item in value.items():
            if item is not None:
                child(item, f"{path}/{key}", context, problems)


def reaches(type_name: str, ruled: frozenset, seen: frozenset) -> bool:
    if type_name in ruled:
        return True
    if type_name in seen:
        return False
    seen = seen | {type_name}
    return any(reaches(child, ruled, seen) for child, _ in FIELDS.get(type_name, {}).values())


# --- Writing a type's rule sets as one Python function


def compile_type(type_name: str, sets: list, probe: Context) -> Runner | None:
    """`check(value, path, context, problems)` for a type, or None when its sets can report
    nothing in this context."""
    writer = SourceWriter(probe)
    if not writer.write_function(type_name, sets):
        return None
    scope = dict(writer.names)  # the tests and guards the source calls by name
    exec(compile(writer.text(), f"<GOBL rules of {type_name}>", "exec"), scope)
    return scope["check"]


def source_of(type_name: str, regime: str = "", addons: tuple = ()) -> str:
    """The Python a plan runs on a type: to read what a rule compiles to."""
    probe = Context(regime, frozenset(addons), {})
    sets = [
        subset
        for namespace in NAMESPACES
        if namespace.guard is None or namespace.guard.run(None, probe)
        for subset in namespace.subsets
        if subset.object == type_name
    ]
    writer = SourceWriter(probe)
    return writer.text() if writer.write_function(type_name, sets) else ""


class SourceWriter:
    """Writes rule sets as Python, following GOBL's order: a set's guard, its assertions
    (the first failing test of each reports), then its subsets on the object if it exists.
    Tests are bound by name (`t3`); a pointer is an expression evaluated at a fault only."""

    def __init__(self, probe: Context):
        self.probe = probe
        self.lines: list[str] = []
        self.names: dict[str, object] = {}
        self.counter = 0

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def name(self, prefix: str, value) -> str:
        self.counter += 1
        found = f"{prefix}{self.counter}"
        self.names[found] = value
        return found

    def write_function(self, type_name: str, sets: list) -> bool:
        self.lines.append(f"def check(value, path, context, problems):  # {type_name}")
        self.lines.append("    add = problems.add")
        start = len(self.lines)
        wrote = False
        for rule_set in sets:
            wrote |= self.write_set(rule_set, "value", ("path", ""), 1, known=True)
        if not wrote:
            del self.lines[start:]
        return wrote

    def write_set(self, rule_set: RuleSet, var: str, where: tuple, depth: int, known: bool):
        """Writes one set on `var` at `depth`; False (and nothing written) when it can
        report nothing. `known`: var is known not to be None."""
        start = len(self.lines)
        guard = rule_set.guard
        if guard is not None and (rule_set.guard_text.startswith("context: ") or not guard.known):
            if not guard.run(None, self.probe):
                return False  # decided for the whole plan (an unknown guard is off)
            guard = None
        if guard is not None:
            self.emit(depth, f"if {self.name('g', guard.run)}({var}, context):")
            depth += 1
        wrote = False
        for assertion in rule_set.asserts:
            if not all(test.known for test in assertion.tests):
                continue  # a test we have no predicate for passes
            calls = " and ".join(self.call(test, var) for test in assertion.tests)
            self.emit(depth, f"if not ({calls}):")
            self.emit(depth + 1, f"add({path_source(where)}, {assertion.fault()!r})")
            wrote = True
        if rule_set.subsets:
            if not known:
                self.emit(depth, f"if {var} is not None:")
                depth += 1
            mark = len(self.lines)
            for subset in rule_set.subsets:
                wrote |= self.write_subset(subset, var, where, depth)
            if len(self.lines) == mark and not known:
                self.lines.pop()  # the `is not None` with nothing under it
        if not wrote:
            del self.lines[start:]
        return wrote

    def write_subset(self, subset: RuleSet, var: str, where: tuple, depth: int) -> bool:
        start = len(self.lines)
        self.counter += 1
        item = f"v{self.counter}"
        if subset.each:
            self.emit(depth, f"if type({var}) is list:")
            self.emit(depth + 1, f"for i{self.counter}, {item} in enumerate({var}):")
            below = (f"{path_source(where)} + '/' + str(i{self.counter})", "")
            if self.write_set(subset, item, below, depth + 2, known=False):
                return True
            del self.lines[start:]
            return False
        if not subset.field:
            return self.write_set(subset, var, where, depth, known=True)
        self.emit(depth, f"{item} = {var}.get({subset.field!r}) if type({var}) is dict else None")
        below = (where[0], f"{where[1]}/{subset.field}")
        missing = self.faults_when_missing(subset)
        if missing:
            self.emit(depth, f"if {item} is None:")
            for fault in missing:
                self.emit(depth + 1, f"add({path_source(below)}, {fault!r})")
            self.emit(depth, "else:")
        else:
            self.emit(depth, f"if {item} is not None:")
        mark = len(self.lines)
        if not self.write_set(subset, item, below, depth + 1, known=True):
            if not missing:
                del self.lines[start:]
                return False
            self.lines[mark - 1 :] = []  # no `else:` branch: only the missing case reports
        return True

    def call(self, test, var: str) -> str:
        """A test as an expression; "present", the test of most assertions, is written out
        (checks.present: JSON's "", [], {}, false and null are empty, a number never is)."""
        if test.text == "present":
            return f"({var} or type({var}) is int or type({var}) is float)"
        return f"{self.name('t', test.run)}({var}, context)"

    def faults_when_missing(self, rule_set: RuleSet) -> list[str]:
        """What a set reports on a missing member (its subsets do not run): its tests of
        nothing read no more than the regime and add-ons, which the plan fixes."""
        guard = rule_set.guard
        if guard is not None and (not guard.known or not guard.run(None, self.probe)):
            return []
        return [
            assertion.fault()
            for assertion in rule_set.asserts
            if all(test.known for test in assertion.tests)
            and not all(test.run(None, self.probe) for test in assertion.tests)
        ]

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def path_source(where: tuple) -> str:
    """The source of an expression that makes a JSON pointer: a base (`path`, or one with a
    list index) and a constant tail."""
    base, tail = where
    return f"{base} + {tail!r}" if tail else base
