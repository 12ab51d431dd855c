"""The template catalogue: empty templates first, ready-made ones that validate, fresh step ids."""

import copy

import pytest
from jsonschema import Draft202012Validator

from invopop_console.pointers import pointer
from providers import registry
from workflows import catalogue, definition

EMPTY = [
    ("Empty Invoice workflow", "bill/invoice"),
    ("Empty Party workflow", "org/party"),
    ("Empty Payments workflow", "bill/payment"),
    ("Empty Order workflow", "bill/order"),
    ("Empty Delivery workflow", "bill/delivery"),
]
# Providers the ready-made templates may use before they exist: anything else unknown is a typo.
COMING = {"peppol.send"}
READY_MADE = [t for t in catalogue.templates() if t.category != "Empty"]


def blocking(problems) -> list[str]:
    """The problems that are not about a provider still to come."""
    return [
        f"{p.path}: {p.message}" for p in problems if not p.message.startswith("unknown provider")
    ]


def step_ids(workflow: dict) -> list[str]:
    return [step["id"] for _, step in definition.walk(workflow)]


def test_the_five_empty_templates_come_first_with_their_schemas():
    first = catalogue.templates()[:5]
    assert [(t.title, t.schema) for t in first] == EMPTY
    for template in first:
        assert template.category == "Empty"
        assert template.step_count == 0
        assert template.definition["steps"] == []


def test_ready_made_templates_follow_by_order_with_a_title_and_a_description():
    assert len(READY_MADE) >= 5
    assert catalogue.templates()[5:] == READY_MADE
    assert [t.order for t in READY_MADE] == sorted(t.order for t in READY_MADE)
    for template in READY_MADE:
        assert template.title and template.description and "\n" not in template.description
        assert template.definition["name"]
        assert template.schema
        assert template.step_count > 0


def test_the_required_ready_made_templates_are_there():
    providers = {
        template.key: {definition.step_provider(s) for _, s in definition.walk(template.definition)}
        for template in READY_MADE
    }
    assert "pdf" in providers["pdf-invoice"]
    assert "email.send" in providers["email-invoice"]
    assert "webhook" in providers["webhook-notify"]
    assert {"verifactu.generate", "verifactu.send"} <= providers["verifactu-invoice"]
    assert "http.request" in providers["erp-export"]


def test_template_keys_are_unique():
    keys = [t.key for t in catalogue.templates()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("template", catalogue.templates(), ids=lambda t: t.key)
def test_every_template_validates_but_for_providers_still_to_come(template):
    problems = definition.validate(template.definition)
    assert blocking(problems) == []
    unknown = {p.message.removeprefix("unknown provider ").strip("'") for p in problems}
    assert unknown <= COMING


@pytest.mark.parametrize("template", catalogue.templates(), ids=lambda t: t.key)
def test_the_configs_of_known_providers_are_valid(template):
    for path, step in definition.walk(template.definition):
        found = registry.get(definition.step_provider(step))
        if found is None:
            continue
        errors = list(Draft202012Validator(found.config_schema).iter_errors(step.get("config", {})))
        assert errors == [], f"{template.key} {pointer(*path)}: {errors[0].message}"


def test_a_wrong_config_of_a_known_provider_is_not_let_through():
    broken = copy.deepcopy(catalogue.get("pdf-invoice").definition)
    broken["rescue"][0]["config"] = {"state": "Not A State"}
    found = blocking(definition.validate(broken))
    assert len(found) == 1
    assert found[0].startswith("/rescue/0/config/state: ")


def test_a_misspelt_provider_is_not_one_still_to_come():
    broken = copy.deepcopy(catalogue.get("pdf-invoice").definition)
    broken["steps"][0]["provider"] = "silo.sate"
    problems = definition.validate(broken)
    assert {p.message.removeprefix("unknown provider ").strip("'") for p in problems} - COMING


@pytest.mark.parametrize("template", catalogue.templates(), ids=lambda t: t.key)
def test_template_step_ids_are_fixed_and_unique(template):
    ids = step_ids(template.definition)
    assert len(ids) == len(set(ids))
    assert step_ids(catalogue.get(template.key).definition) == ids


def test_instantiate_gives_fresh_unique_ids_everywhere_and_leaves_the_template_alone():
    template = catalogue.get("verifactu-invoice")
    before = copy.deepcopy(template.definition)
    first, second = catalogue.instantiate(template.key), catalogue.instantiate(template.key)
    old = step_ids(before)
    # The KO block's step and the rescue step are renamed as well as the main steps.
    assert len(step_ids(first)) == len(old) >= 3
    assert first["steps"][5]["next"][0]["steps"][0]["id"] not in old
    assert first["rescue"][0]["id"] not in old
    assert not set(step_ids(first)) & set(old)
    assert not set(step_ids(first)) & set(step_ids(second))
    assert len(set(step_ids(first))) == len(old)
    assert template.definition == before
    assert catalogue.get(template.key).definition == before


def test_instantiate_keeps_everything_but_the_ids():
    template = catalogue.get("payment-reminder")
    made = catalogue.instantiate(template.key)
    for (_, fresh), (_, original) in zip(
        definition.walk(made), definition.walk(template.definition), strict=True
    ):
        assert {**fresh, "id": "", "next": None} == {**original, "id": "", "next": None}
    assert blocking(definition.validate(made)) == []


def test_fresh_ids_follow_step_id_jumps():
    workflow = {
        "name": "Jumps",
        "steps": [
            {"id": "a", "provider": "silo.if", "next": [{"status": "OK", "step_id": "c"}]},
            {"id": "b", "provider": "silo.state", "next": [{"status": "KO", "step_id": "x"}]},
            {"id": "c", "provider": "silo.state"},
        ],
        "rescue": [{"id": "r", "provider": "silo.state"}],
    }
    made = catalogue.with_fresh_ids(workflow)
    assert made["steps"][0]["next"][0]["step_id"] == made["steps"][2]["id"] != "c"
    assert made["steps"][1]["next"][0]["step_id"] == "x"  # named no step: left for validation
    assert workflow["steps"][0]["next"][0]["step_id"] == "c"


def test_instantiate_refuses_an_unknown_key():
    with pytest.raises(KeyError):
        catalogue.instantiate("no-such-template")


def test_get_of_an_unknown_key_is_none():
    assert catalogue.get("no-such-template") is None
    assert catalogue.get("pdf-invoice").title == "PDF invoice"


def test_the_catalogue_is_loaded_once():
    assert catalogue.templates() == catalogue.templates()
    assert catalogue.get("pdf-invoice") is catalogue.get("pdf-invoice")
