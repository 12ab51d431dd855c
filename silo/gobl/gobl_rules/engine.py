"""Evaluating GOBL's rule sets on a JSON document, as GOBL's `rules.Validate` does on Go
values: every object of a type gets the sets registered for that type, wherever it sits;
a set's assertions run on its object (even a missing one, so that "present" can fail) and its
subsets only on an object that exists.

One walk of the document applies every active namespace at each object (GOBL walks once per
namespace): the same faults, in a different order, for a fraction of the time on long
invoices. The sets that apply are worked out once per regime and add-on list.
"""

from dataclasses import dataclass
from functools import lru_cache

from ..problems import Problems
from .dsl import Context, RuleSet
from .sets_addons import SETS as ADDON_SETS
from .sets_core import SETS as CORE_SETS
from .sets_regimes import SETS as REGIME_SETS
from .types import EMBEDS_ADDONS, FIELDS, LIST, MAP, root_type

NAMESPACES: list[RuleSet] = CORE_SETS + REGIME_SETS + ADDON_SETS


def check_document(doc: dict, problems: Problems) -> None:
    type_name = root_type(doc.get("$schema"))
    if type_name is None:
        return
    context = document_context(doc)
    visit(doc, type_name, "", plan_for(context.regime, context.addons), context, problems)


def document_context(doc: dict) -> Context:
    regime = doc.get("$regime") if isinstance(doc.get("$regime"), str) else ""
    addons = doc.get("$addons") if isinstance(doc.get("$addons"), list) else []
    return Context(regime, frozenset(a for a in addons if isinstance(a, str)), doc)


@dataclass(frozen=True, slots=True)
class Plan:
    sets: dict  # type name -> the sets that check it
    fields: dict  # type name -> the members worth walking into: (name, type, how many)
    valid_texts: set  # (type name, text) found valid, not checked again


@lru_cache(maxsize=256)
def plan_for(regime: str, addons: frozenset) -> Plan:
    """The type-bound sets of the namespaces whose guard (an add-on's) the context passes,
    and the members that lead to one of their types: the rest of a document is not walked."""
    probe = Context(regime, addons, {})
    found: dict[str, list] = {}
    for namespace in NAMESPACES:
        if namespace.guard is not None and not namespace.guard.run(None, probe):
            continue
        for subset in namespace.subsets:
            found.setdefault(subset.object, []).append(subset)
    for type_name in EMBEDS_ADDONS:
        found.setdefault(type_name, []).extend(found.get("tax.Addons", ()))
    ruled = frozenset(found)
    fields = {
        name: tuple(
            (member, child, how)
            for member, (child, how) in members.items()
            if reaches(child, ruled, frozenset())
        )
        for name, members in FIELDS.items()
    }
    return Plan({name: tuple(sets) for name, sets in found.items()}, fields, set())


def reaches(type_name: str, ruled: frozenset, seen: frozenset) -> bool:
    if type_name in ruled:
        return True
    if type_name in seen:
        return False
    seen = seen | {type_name}
    return any(reaches(child, ruled, seen) for child, _ in FIELDS.get(type_name, {}).values())


def visit(value, type_name: str, path: str, plan: Plan, context: Context, problems) -> None:
    if value is None:
        return
    if isinstance(value, str):
        check_text(value, type_name, path, plan, context, problems)
        return
    for rule_set in plan.sets.get(type_name, ()):
        apply(rule_set, value, path, context, problems)
    for name, child, how in plan.fields.get(type_name, ()):
        if name == "[]":
            items = value if isinstance(value, list) else ()
            for index, item in enumerate(items):
                visit(item, child, f"{path}/{index}", plan, context, problems)
        elif name == "*":
            if isinstance(value, dict):
                for key, item in value.items():
                    visit(item, child, f"{path}/{key}", plan, context, problems)
        elif isinstance(value, dict):
            found = value.get(name)
            if found is None or (type(found) is str and (child, found) in plan.valid_texts):
                continue  # the common case on long invoices: nothing new to check
            visit_member(found, child, how, f"{path}/{name}", plan, context, problems)


def check_text(value: str, type_name: str, path, plan: Plan, context, problems) -> None:
    """Codes, keys, dates and units repeat on every line: a text found valid for its type
    once is not checked again (their rules read nothing but the text)."""
    if (type_name, value) in plan.valid_texts:
        return
    found = Problems(path)
    for rule_set in plan.sets.get(type_name, ()):
        apply(rule_set, value, "", context, found)
    if found:
        for problem in found.found:
            problems.add(problem.path, problem.message)
    elif len(plan.valid_texts) < 10_000:
        plan.valid_texts.add((type_name, value))


def visit_member(value, type_name, how, path, plan, context, problems) -> None:
    if how == LIST:
        for index, item in enumerate(value if isinstance(value, list) else ()):
            visit(item, type_name, f"{path}/{index}", plan, context, problems)
    elif how == MAP:
        for key, item in (value if isinstance(value, dict) else {}).items():
            visit(item, type_name, f"{path}/{key}", plan, context, problems)
    else:
        visit(value, type_name, path, plan, context, problems)


def apply(rule_set: RuleSet, value, path: str, context: Context, problems: Problems) -> None:
    if rule_set.guard is not None and not rule_set.guard.run(value, context):
        return
    for assertion in rule_set.asserts:
        for test in assertion.tests:
            if not test.run(value, context):
                problems.add(path, assertion.fault())
                break
    if value is None:
        return
    for subset in rule_set.subsets:
        if subset.field:
            member = value.get(subset.field) if isinstance(value, dict) else None
            apply(subset, member, f"{path}/{subset.field}", context, problems)
        elif subset.each:
            for index, item in enumerate(value if isinstance(value, list) else ()):
                apply_each(subset, item, f"{path}/{index}", context, problems)
        else:
            apply(subset, value, path, context, problems)


def apply_each(each: RuleSet, item, path: str, context: Context, problems: Problems) -> None:
    """An `each` set is its element's set: its own guard, assertions and subsets."""
    apply(each, item, path, context, problems)
