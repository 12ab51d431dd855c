"""GOBL's validation rules (silo/gobl/gobl_rules): the codes and messages GOBL reports, at the
JSON pointer of the field, and never a fault on a document GOBL built without one.

Two tests read the shared reference (../shared, not part of the project; they skip without
it): every rule set GOBL publishes is known here, assert by assert, and every example GOBL
built gets no fault from our rules."""

import json

import pytest
from conftest import SHARED, shared_path
from test_gobl_build import fixture
from test_gobl_conformance import EXAMPLES, expected_path, load

from silo.gobl import build_document, build_envelope
from silo.gobl.gobl_rules.engine import NAMESPACES

RULES = ("reference", "gobl", "rules")


def our_asserts() -> dict:
    """code -> (message, [compiled tests]) of every assert transcribed here."""
    found = {}

    def walk(rule_set):
        for assertion in rule_set.asserts:
            found[assertion.code] = (assertion.message, assertion.tests, assertion.description)
        for subset in rule_set.subsets:
            walk(subset)

    for namespace in NAMESPACES:
        walk(namespace)
    return found


def our_guards() -> list:
    guards = []

    def walk(rule_set):
        if rule_set.guard is not None:
            guards.append(rule_set.guard)
        for subset in rule_set.subsets:
            walk(subset)

    for namespace in NAMESPACES:
        walk(namespace)
    return guards


def gobl_asserts() -> dict:
    root = SHARED.joinpath(*RULES)
    if not root.exists():
        pytest.skip("../shared is absent: GOBL's rule sets cannot be compared")
    found = {}

    def walk(rule_set):
        for assertion in rule_set.get("assert", []):
            found[assertion["id"]] = (assertion["desc"], assertion["tests"])
        for subset in rule_set.get("subsets", []):
            walk(subset)

    for path in sorted(root.glob("*.json")):
        walk(json.loads(path.read_text()))
    return found


def test_every_assert_gobl_publishes_is_known_with_its_message():
    gobl = gobl_asserts()
    ours = our_asserts()
    assert len(gobl) == 538
    assert sorted(set(gobl) - set(ours)) == []
    assert {c: m for c, (m, _) in gobl.items()} == {c: ours[c][0] for c in gobl}
    assert {c: t for c, (_, t) in gobl.items()} == {c: ours[c][2] for c in gobl}


def untested_asserts() -> set[str]:
    return {c for c, (_, tests, _) in our_asserts().items() if not all(t.known for t in tests)}


def test_the_asserts_whose_test_we_have_not_written_are_the_listed_ones():
    """An assert whose test has no predicate here passes always (it never refuses a
    document); a guard without one keeps its subsets off. The list only shrinks."""
    assert untested_asserts() == NOT_IMPLEMENTED


def test_most_asserts_are_implemented():
    assert len(our_asserts()) - len(NOT_IMPLEMENTED) >= 526


# Asserts whose named test is not transcribed from GOBL's Go code yet (issue 16). They pass
# always; the list only shrinks.
NOT_IMPLEMENTED: set[str] = set()


# --- Every example GOBL built without a fault gets none here: the regression guard


def built_example_names() -> list[str]:
    root = SHARED.joinpath(*EXAMPLES)
    if not root.exists():
        return ["(../shared is absent)"]
    return [
        str(p.relative_to(root))
        for p in sorted(root.glob("*/*"))
        if p.suffix in (".json", ".yaml", ".yml") and expected_path(p).exists()
    ]


@pytest.mark.parametrize("name", built_example_names())
def test_an_example_gobl_built_gets_no_fault_from_our_rules(name):
    if name.startswith("("):
        pytest.skip(f"{name}: GOBL's examples cannot be checked")
    given = load(shared_path(*EXAMPLES, name))
    _, problems = build_envelope(given)
    assert [(p.path, p.message) for p in problems if p.message.startswith("[GOBL-")] == []


# --- Rule families: a document breaking a rule gets its code at its pointer


def faults(doc: dict) -> dict[str, str]:
    _, problems = build_document(doc)
    return {p.path: p.message for p in problems}


def spanish() -> dict:
    return fixture("es-freelance.json")


def test_a_supplier_without_a_name_gets_gobls_bill_invoice_06():
    doc = spanish()
    doc["supplier"].pop("name")
    found = faults(doc)
    assert found["/supplier/name"] == "[GOBL-BILL-INVOICE-06] invoice supplier name is required"


def test_a_value_date_beside_a_tax_point_gets_bill_invoice_11():
    doc = spanish() | {"value_date": "2022-02-01", "tax": {"point": "delivery"}}
    message = "[GOBL-BILL-INVOICE-11] value date cannot be set when tax point is set"
    assert faults(doc)["/value_date"] == message


def test_a_customer_with_a_tax_id_and_no_name_gets_bill_invoice_07():
    doc = spanish()
    doc["customer"].pop("name")
    message = "[GOBL-BILL-INVOICE-07] invoice customer name required when tax ID is set"
    assert faults(doc)["/customer/name"] == message


def test_an_identity_with_a_key_and_a_type_gets_org_identity_03():
    doc = spanish()
    doc["customer"]["identities"] = [{"key": "passport", "type": "PP", "code": "X1"}]
    message = "[GOBL-ORG-IDENTITY-03] identity must have either a key or type defined, but not both"
    assert faults(doc)["/customer/identities/0"] == message


def test_a_unit_that_is_no_code_gets_org_unit_01():
    doc = spanish()
    doc["lines"][0]["item"]["unit"] = "bushels"
    message = "[GOBL-ORG-UNIT-01] unit must be a valid value or UN/ECE code"
    assert faults(doc)["/lines/0/item/unit"] == message


def test_a_note_key_gobl_does_not_know_gets_org_note_02():
    doc = spanish() | {"notes": [{"key": "gossip", "text": "Hi"}]}
    assert faults(doc)["/notes/0/key"] == "[GOBL-ORG-NOTE-02] note key must be a valid value"


def test_an_addon_rule_applies_only_with_its_addon():
    doc = spanish() | {"currency": "USD"}
    doc["exchange_rates"] = [{"from": "USD", "to": "EUR", "amount": "0.9"}]
    assert not any("VERIFACTU" in m for m in faults(doc).values())
    without_rate = spanish() | {"currency": "USD", "$addons": ["es-verifactu-v1"]}
    without_rate["exchange_rates"] = [{"from": "EUR", "to": "USD", "amount": "1.1"}]
    found = faults(without_rate)
    message = (
        "[GOBL-ES-VERIFACTU-BILL-INVOICE-16] invoice must be in EUR or provide exchange rate "
        "for conversion"
    )
    assert found.get("") == message


def test_a_regime_rule_applies_only_in_its_regime():
    doc = fixture("pt-azores.json")
    doc["lines"][0]["quantity"] = "-1"
    assert faults(doc) == {
        "/lines/0/quantity": "[GOBL-PT-BILL-INVOICE-05] line quantity must be zero or positive"
    }


def test_a_rule_with_an_unknown_guard_never_refuses():
    from silo.gobl.gobl_rules.dsl import check, when

    rule_set = when("a guard nobody wrote", check("X-01", "never", "present"))
    assert not rule_set.guard.known
    assert rule_set.guard.run({}, None) is False


def test_every_guard_compiles_or_is_off():
    assert all(g.known or g.run({}, None) is False for g in our_guards())


# --- GOBL-TAX-ADDONS-01: GOBL drops an add-on it does not register when it calculates a
# document (tax.Addons.PrepareNormalization), and reports it where it only validates one.


def test_an_addon_gobl_does_not_register_is_dropped_when_the_document_is_built():
    doc = spanish() | {"$addons": ["es-verifactu-v1", "es-verifactu-v9", "pl-favat-v2"]}
    built, problems = build_document(doc)
    assert built["$addons"] == ["es-verifactu-v1"]
    assert not any("ADDONS" in p.message for p in problems)


def test_only_unregistered_addons_leave_no_addons_member():
    built, _ = build_document(spanish() | {"$addons": ["typo-v1"]})
    assert "$addons" not in built


def test_addons_are_listed_once_with_those_they_require_first():
    doc = spanish() | {"$addons": ["fr-facturx-v1", "eu-en16931-v2017", "fr-facturx-v1"]}
    assert build_document(doc)[0]["$addons"] == ["eu-en16931-v2017", "fr-facturx-v1"]


def test_a_signed_envelope_with_an_unregistered_addon_gets_tax_addons_01():
    doc = build_document(spanish())[0] | {"$addons": ["es-verifactu-v1", "typo-v1"]}
    envelope = {"$schema": "https://gobl.org/draft-0/envelope", "doc": doc, "sigs": ["a.b.c"]}
    built, problems = build_envelope(envelope)
    assert built["doc"]["$addons"] == ["es-verifactu-v1", "typo-v1"]  # signed: untouched
    found = {p.path: p.message for p in problems if "ADDONS" in p.message}
    assert found == {"/doc/$addons/1": "[GOBL-TAX-ADDONS-01] add-on must be registered"}


def test_the_rules_engine_refuses_an_unregistered_addon_it_is_given():
    from silo.gobl.gobl_rules import check_rules
    from silo.gobl.problems import Problems

    doc = build_document(spanish())[0] | {"$addons": ["typo-v1"]}
    problems = Problems()
    check_rules(doc, problems)
    assert {p.path: p.message for p in problems.found} == {
        "/$addons/0": "[GOBL-TAX-ADDONS-01] add-on must be registered"
    }


# --- The envelope, its header, payments and definitions (the tests of GOBL's envelope.go,
# head/link.go, bill/payment*.go, cbc/code.go and tax/rate_def.go)

ENVELOPE = "https://gobl.org/draft-0/envelope"


def rule_faults(doc: dict) -> dict[str, str]:
    """What GOBL's rules alone say of `doc`, as it is (nothing calculated)."""
    from silo.gobl.gobl_rules import check_rules
    from silo.gobl.problems import Problems

    problems = Problems()
    check_rules(doc, problems)
    return {p.path: p.message for p in problems.found}


def built_envelope() -> dict:
    envelope, problems = build_envelope({"$schema": ENVELOPE, "doc": spanish()})
    assert problems == []
    return envelope


def test_a_built_envelope_meets_the_envelope_rules():
    assert rule_faults(built_envelope()) == {}


def test_the_silos_v4_header_uuid_is_not_refused_when_an_envelope_is_built():
    envelope = built_envelope()
    envelope["head"]["uuid"] = "9b2e6a4e-2f0c-4d3b-9d7e-2b8f1f0f6c11"  # v4: an entry's id
    message = "[GOBL-HEAD-HEADER-01] header must contain a UUID v1 or v7 with timestamp"
    assert rule_faults(envelope) == {"/head/uuid": message}  # GOBL would refuse it
    assert build_envelope(envelope)[1] == []


def test_a_signed_envelope_whose_document_changed_gets_envelope_11():
    envelope = built_envelope() | {"sigs": ["a.b.c"]}
    envelope["doc"]["notes"] = [{"text": "added after signing"}]
    message = "[GOBL-ENVELOPE-11] envelope digest does not match document contents"
    assert rule_faults(envelope) == {"": message}
    _, problems = build_envelope(envelope)
    assert {p.path: p.message for p in problems} == {"": message}


def test_an_unsigned_envelope_with_stamps_gets_envelope_12():
    envelope = built_envelope()
    envelope["head"]["stamps"] = [{"prv": "verifactu-qr", "val": "https://example.com"}]
    message = "[GOBL-ENVELOPE-12] envelope header cannot have stamps when not signed"
    assert rule_faults(envelope) == {"": message}
    assert rule_faults(envelope | {"sigs": ["a.b.c"]}) == {}


def test_a_signed_invoice_without_a_code_gets_envelope_13():
    from silo.gobl.envelope import digest

    envelope = built_envelope() | {"sigs": ["a.b.c"]}
    del envelope["doc"]["code"]
    envelope["head"]["dig"] = digest(envelope["doc"])
    message = (
        "[GOBL-ENVELOPE-13] envelope doc is not ready to be signed, check code or other key fields"
    )
    assert rule_faults(envelope) == {"": message}


def test_an_envelope_of_an_unknown_kind_gets_envelope_04():
    envelope = built_envelope() | {"doc": {"$schema": "https://example.com/thing"}}
    found = rule_faults(envelope)
    assert found["/doc"] == "[GOBL-ENVELOPE-04] envelope doc must have a known schema"


def test_a_header_link_of_an_unknown_category_or_mime_type_gets_head_link_02_and_05():
    envelope = built_envelope()
    url = "https://example.com/a."
    envelope["head"]["links"] = [
        {"category": "format", "key": "pdf", "url": url + "pdf", "mime": "application/pdf"},
        {"category": "gossip", "key": "zip", "url": url + "zip", "mime": "application/zip"},
    ]
    assert rule_faults(envelope) == {
        "/head/links/1/category": "[GOBL-HEAD-LINK-02] link category is not valid",
        "/head/links/1/mime": "[GOBL-HEAD-LINK-05] link MIME type is not valid",
    }


def payment(**lines_and_methods) -> dict:
    return {
        "$schema": "https://gobl.org/draft-0/bill/payment",
        "$regime": "ES",
        "type": "receipt",
        "code": "P1",
        "issue_date": "2025-01-01",
        "currency": "EUR",
        "supplier": {"name": "Acme", "tax_id": {"country": "ES", "code": "B98602642"}},
        "total": "100.00",
        "lines": [{"i": 1, "amount": "100.00"}],
        "methods": [{"key": "card", "amount": "100.00"}],
    } | lines_and_methods


def test_payment_methods_summing_to_the_total_in_its_currency_pass_payment_08():
    assert rule_faults(payment()) == {}
    methods = [
        {"key": "card", "amount": "60.00"},
        {"key": "cash", "amount": "50", "currency": "USD"},
    ]
    rates = [{"from": "USD", "to": "EUR", "amount": "0.8"}]
    assert rule_faults(payment(methods=methods, exchange_rates=rates)) == {}


def test_payment_methods_that_do_not_sum_to_the_total_get_payment_08():
    message = "[GOBL-BILL-PAYMENT-08] methods sum must match total"
    methods = [{"key": "card", "amount": "99.99"}]
    assert rule_faults(payment(methods=methods)) == {"": message}
    no_rate = [{"key": "card", "amount": "100.00", "currency": "USD"}]
    assert rule_faults(payment(methods=no_rate)) == {"": message}


def test_a_payment_line_paying_more_than_is_left_gets_paymentline_11_and_12():
    lines = [
        {"i": 1, "payable": "100.00", "advances": "120.00", "amount": "10.00"},
        {"i": 2, "payable": "100.00", "advances": "30.00", "amount": "70.01"},
        {"i": 3, "payable": "100.00", "advances": "30.00", "amount": "70.00"},
    ]
    found = rule_faults(payment(lines=lines, total="150.01", methods=[]))
    assert {path: m for path, m in found.items() if path.startswith("/lines")} == {
        "/lines/0": "[GOBL-BILL-PAYMENTLINE-11] advances must not exceed payable",
        "/lines/1": "[GOBL-BILL-PAYMENTLINE-12] amount must not exceed payable less advances",
    }


# --- Documents other than invoices meet GOBL's rules once built, as invoices do


def test_a_built_payment_meets_its_addons_rules_on_its_methods():
    doc = payment(**{"$addons": ["pl-favat-v3"]})
    message = "[GOBL-PL-FAVAT-PAY-RECORD-01] advance payment date is required"
    assert faults(doc) == {"/methods/0/date": message}
    doc["methods"][0]["date"] = "2025-01-01"
    assert faults(doc) == {}


def test_a_built_party_and_tax_identity_meet_the_regimes_rules():
    tax_id = {"country": "ES", "code": "B98602643"}  # the last digit is wrong
    message = "[GOBL-ES-TAX-IDENTITY-01] invalid Spanish VAT identity code format or checksum"
    party = {"$schema": "https://gobl.org/draft-0/org/party", "name": "Acme", "tax_id": tax_id}
    assert faults(party) == {"/tax_id/code": message}
    identity = {"$schema": "https://gobl.org/draft-0/tax/identity", **tax_id}
    assert faults(identity) == {"/code": message}


def test_a_payment_with_a_bad_amount_still_meets_the_other_rules():
    doc = payment(**{"$addons": ["pl-favat-v3"]})
    doc["lines"][0]["amount"] = "lots"
    found = faults(doc)
    assert not found["/lines/0/amount"].startswith("[GOBL-")  # ours, where GOBL's JSON fails
    assert found["/methods/0/date"].startswith("[GOBL-PL-FAVAT-PAY-RECORD-01]")


REGIME_DEF = "https://gobl.org/draft-0/tax/regime-def"


def regime_def(values: list, map_: dict) -> dict:
    category = {"code": "VAT", "name": {"en": "VAT"}, "map": map_}
    category["rates"] = [{"rate": "general", "name": {"en": "General"}, "values": values}]
    return {
        "$schema": REGIME_DEF,
        "name": {"en": "Testland"},
        "country": "ES",
        "currency": "EUR",
        "time_zone": "Europe/Madrid",
        "categories": [category],
    }


def test_rate_values_out_of_date_order_get_ratedef_03():
    newest_first = [
        {"since": "2012-09-01", "percent": "21%"},
        {"since": "2010-07-01", "percent": "18%"},
    ]
    found = rule_faults(regime_def(newest_first, {}))
    assert not any("RATEDEF-03" in m for m in found.values())
    oldest_first = list(reversed(newest_first))
    found = rule_faults(regime_def(oldest_first, {}))
    message = "[GOBL-TAX-RATEDEF-03] rate values must be in descending chronological order"
    assert found["/categories/0/rates/0/values"] == message


def test_a_code_map_with_a_key_that_is_no_key_gets_codemap_01():
    found = rule_faults(regime_def([{"percent": "21%"}], {"good-key": "1", "Bad Key": "2"}))
    assert found["/categories/0/map"] == "[GOBL-CBC-CODEMAP-01] all code map keys must be valid"
    found = rule_faults(regime_def([{"percent": "21%"}], {"good-key": "1"}))
    assert "/categories/0/map" not in found


def regime_definitions() -> list[str]:
    root = SHARED / "reference" / "gobl" / "regimes"
    return sorted(p.name for p in root.glob("*.json")) or ["(../shared is absent)"]


@pytest.mark.parametrize("name", regime_definitions())
def test_gobls_own_regime_definitions_pass_the_definition_rules_we_wrote(name):
    if name.startswith("("):
        pytest.skip(f"{name}: GOBL's regime definitions cannot be checked")
    definition = json.loads((SHARED / "reference" / "gobl" / "regimes" / name).read_text())
    found = rule_faults(definition)
    assert {p: m for p, m in found.items() if "RATEDEF-03" in m or "CODEMAP-01" in m} == {}


# --- The plan a regime and add-on list compile to


def test_a_regimes_rules_are_compiled_away_outside_it():
    from silo.gobl.gobl_rules.engine import source_of

    assert "GOBL-PT-BILL-INVOICE" in source_of("bill.Invoice", "PT")
    assert "GOBL-PT-" not in source_of("bill.Invoice", "ES")


def test_an_addons_rules_are_compiled_only_with_it():
    from silo.gobl.gobl_rules.engine import source_of

    assert "GOBL-ES-VERIFACTU" not in source_of("bill.Invoice", "ES")
    assert "GOBL-ES-VERIFACTU" in source_of("bill.Invoice", "ES", ("es-verifactu-v1",))


def test_a_repeated_valid_tax_combo_and_a_repeated_faulty_one_are_each_judged_right():
    doc = spanish()
    doc["lines"] = [doc["lines"][0] | {"i": n + 1} for n in range(3)]
    assert faults(doc) == {}
    doc["lines"][2]["item"] = doc["lines"][2]["item"] | {"unit": "bushels"}
    doc["lines"][1]["item"] = doc["lines"][1]["item"] | {"unit": "bushels"}
    message = "[GOBL-ORG-UNIT-01] unit must be a valid value or UN/ECE code"
    assert faults(doc) == {"/lines/1/item/unit": message, "/lines/2/item/unit": message}


def test_problems_keep_the_first_at_each_pointer_across_nested_collectors():
    from silo.gobl.problems import Problems

    problems = Problems("/doc")
    problems.add("/a", "first")
    problems.at("/a").add("", "second")
    problems.at("/b").add("/0", "third")
    assert [(p.path, p.message) for p in problems.found] == [
        ("/doc/a", "first"),
        ("/doc/b/0", "third"),
    ]


# --- Tax identities: each country's check digits (python-stdnum, or GOBL's own rule)


def with_customer_tax_id(country: str, code: str) -> dict:
    doc = spanish()
    doc["customer"]["tax_id"] = {"country": country, "code": code}
    return doc


@pytest.mark.parametrize(
    "country, code",
    [
        ("ES", "54387763P"),
        ("DE", "111111125"),
        ("FR", "44732829320"),
        ("FR", "11356000000"),  # La Poste: GOBL does not check its key
        ("IT", "12345678903"),  # GOBL checks the Luhn digit only
        ("PT", "999999990"),
        ("NL", "000099998B57"),
        ("GB", "GD100"),
        ("CH", "CHE-100.416.306 MWST"),
        ("MX", "K&A010301I16"),
        ("SG", "M91234567X"),
    ],
)
def test_a_tax_code_whose_check_digits_hold_gets_no_fault(country, code):
    assert faults(with_customer_tax_id(country, code)) == {}


@pytest.mark.parametrize(
    "country, code, assert_code",
    [
        ("ES", "93471790A", "GOBL-ES-TAX-IDENTITY-01"),
        ("DE", "111111124", "GOBL-DE-TAX-IDENTITY-01"),
        ("AT", "U10223001", "GOBL-AT-TAX-IDENTITY-01"),
        ("PT", "999999991", "GOBL-PT-TAX-IDENTITY-01"),
        ("NO", "923456780", "GOBL-NO-TAX-IDENTITY-01"),
        ("GB", "000000000", "GOBL-GB-TAX-IDENTITY-02"),
        ("GB", "123456789", "GOBL-GB-TAX-IDENTITY-03"),
        ("GR", "064677094", "GOBL-GR-TAX-IDENTITY-01"),
    ],
)
def test_a_tax_code_with_wrong_check_digits_gets_its_countrys_fault(country, code, assert_code):
    found = faults(with_customer_tax_id(country, code))
    assert found["/customer/tax_id/code"].startswith(f"[{assert_code}]")


# --- Tax combos against the regime's catalogue


def test_a_combo_with_an_extension_gobl_does_not_define_gets_tax_combo_06():
    doc = spanish()
    doc["lines"][0]["taxes"][0]["ext"] = {"es-made-up": "X"}
    message = "[GOBL-TAX-COMBO-06] tax combo extension key not defined in regime"
    assert faults(doc) == {"/lines/0/taxes/0": message}


@pytest.mark.parametrize(
    "combo, valid",
    [
        ({"cat": "VAT", "key": "standard", "rate": "general", "percent": "21%"}, True),
        ({"cat": "VAT", "key": "standard", "rate": "general+eqs", "percent": "21%"}, True),
        ({"cat": "VAT", "key": "exempt"}, True),
        ({"cat": "VAT", "key": "exempt", "percent": "21%"}, False),  # 04: takes none
        ({"cat": "VAT", "key": "standard"}, False),  # 04: needs one
        ({"cat": "VAT", "key": "made-up", "percent": "1%"}, False),  # 02
        ({"cat": "VAT", "key": "standard", "rate": "made-up", "percent": "1%"}, False),  # 03
        ({"cat": "IRPF", "rate": "pro", "percent": "15%"}, True),
        ({"cat": "IRPF", "key": "standard", "rate": "pro", "percent": "15%"}, False),  # 02
        ({"cat": "XYZ", "percent": "1%"}, False),  # 01
        ({"cat": "XYZ", "country": "JP", "percent": "1%"}, True),  # no regime for Japan
        ({"cat": "VAT", "surcharge": "5.2%"}, False),  # 04 and 05
    ],
)
def test_a_combo_is_checked_against_its_regimes_catalogue(combo, valid):
    from silo.gobl.gobl_rules.dsl import Context
    from silo.gobl.gobl_rules.predicates import NAMED

    names = ["category in regime", "key in category", "rate in key", "percent valid for key"]
    names.append("surcharge requires percent")
    context = Context("ES", frozenset(), {})
    assert all(NAMED[name](combo, context) for name in names) is valid


# --- Regimes' parties and identities


def test_a_german_supplier_without_tax_id_nor_tax_number_gets_de_bill_invoice_01():
    doc = spanish() | {"$regime": "DE"}
    doc["supplier"] = {"name": "Lieferant GmbH", "addresses": [{"country": "DE"}]}
    doc["lines"] = [doc["lines"][0] | {"taxes": [{"cat": "VAT", "rate": "standard"}]}]
    found = faults(doc)
    assert found["/supplier"].startswith("[GOBL-DE-BILL-INVOICE-01] invoice DE supplier")
    doc["supplier"]["identities"] = [{"key": "de-tax-number", "code": "123/456/78901"}]
    assert "/supplier" not in faults(doc)


@pytest.mark.parametrize(
    "assert_code, code, valid",
    [
        ("GOBL-SE-ORG-IDENTITY-01", "556036-0793", True),
        ("GOBL-SE-ORG-IDENTITY-02", "5560360793", True),
        ("GOBL-SE-ORG-IDENTITY-02", "5560360794", False),
        ("GOBL-SE-ORG-IDENTITY-02", "55603607", True),  # out of format: 01's fault
        ("GOBL-SE-ORG-IDENTITY-03", "811218-9876", True),
        ("GOBL-SE-ORG-IDENTITY-04", "811218-9876", True),
        ("GOBL-SE-ORG-IDENTITY-04", "811218-9875", False),
        ("GOBL-NO-ORG-IDENTITY-01", "923456783", True),
        ("GOBL-NO-ORG-IDENTITY-01", "923456780", False),
        ("GOBL-DK-ORG-IDENTITY-01", "13585628", True),
        ("GOBL-DK-ORG-IDENTITY-01", "13585627", False),
        ("GOBL-IT-ORG-IDENTITY-02", "RSSMRA85T10A562S", True),
        ("GOBL-IT-ORG-IDENTITY-02", "RSSMRA85Z10A562S", False),
        ("GOBL-IT-ORG-IDENTITY-03", "RSSMRA85T10A562S", True),
        ("GOBL-IT-ORG-IDENTITY-03", "RSSMRA85T10A562T", False),
        ("GOBL-IT-ORG-IDENTITY-03", "12345678903", True),
        ("GOBL-SG-ORG-IDENTITY-01", "199912345A", True),
        ("GOBL-SG-ORG-IDENTITY-01", "M91234567X", False),  # a GST number, not a UEN
    ],
)
def test_an_organisation_identitys_code_is_checked_by_its_regimes_rule(assert_code, code, valid):
    from silo.gobl.gobl_rules.predicates import BY_ASSERT

    assert BY_ASSERT[assert_code](code, None) is valid


# --- eu-en16931


def en16931() -> dict:
    doc = spanish() | {"$addons": ["eu-en16931-v2017"]}
    address = {"street": "Calle Mayor 1", "locality": "Madrid", "country": "ES"}
    for role in ("supplier", "customer"):
        doc[role]["addresses"] = [address]
    doc["payment"] = {"terms": {"key": "due-date", "due_dates": [{"date": "2022-03-01"}]}}
    doc["payment"]["terms"]["due_dates"][0]["percent"] = "100%"
    return doc


def test_an_en16931_invoice_with_addresses_and_terms_gets_no_fault():
    assert faults(en16931()) == {}


def test_an_en16931_line_discount_without_reason_nor_allowance_code_gets_its_fault():
    doc = en16931()
    doc["lines"][0]["discounts"][0].pop("reason")
    message = (
        "[GOBL-EU-EN16931-BILL-LINEDISCOUNT-01] either a reason or an allowance type "
        "extension is required (BR-41)"
    )
    assert faults(doc) == {"/lines/0/discounts/0": message}
    doc["lines"][0]["discounts"][0]["ext"] = {"untdid-allowance": "95"}
    assert faults(doc) == {}


def test_en16931_payment_terms_without_due_dates_nor_notes_get_pay_terms_01():
    doc = en16931()
    doc["payment"]["terms"] = {"key": "due-date"}
    message = "[GOBL-EU-EN16931-PAY-TERMS-01] either due_dates or notes must be provided (BR-CO-25)"
    assert faults(doc) == {"/payment/terms": message}


# --- Spanish add-ons


def test_a_verifactu_customer_without_tax_id_nor_identity_type_gets_invoice_07():
    doc = spanish() | {"$addons": ["es-verifactu-v1"]}
    doc["customer"] = {"name": "Cliente", "identities": [{"type": "X", "code": "1"}]}
    found = faults(doc)
    assert found["/customer"].startswith("[GOBL-ES-VERIFACTU-BILL-INVOICE-07]")
    doc["customer"]["identities"][0]["ext"] = {"es-verifactu-identity-type": "03"}
    assert "/customer" not in faults(doc)


@pytest.mark.parametrize(
    "taxes, consistent",
    [
        ([[{"cat": "VAT", "ext": {"es-sii-product": "goods"}}]] * 2, True),
        ([[{"cat": "VAT", "ext": {"es-sii-product": "goods"}}], [{"cat": "VAT"}]], False),
        ([[{"cat": "VAT", "ext": {"es-sii-product": "goods"}}], [{"cat": "IRPF"}]], True),
    ],
)
def test_sii_lines_name_their_product_all_or_none(taxes, consistent):
    from silo.gobl.gobl_rules.predicates import NAMED

    lines = [{"taxes": combos} for combos in taxes]
    assert NAMED["consistent product"](lines, None) is consistent


# --- it-sdi


@pytest.mark.parametrize(
    "customer, name_ok, people_ok",
    [
        ({"name": "Cliente", "tax_id": {"country": "IT", "code": "12345678903"}}, True, True),
        ({"tax_id": {"country": "IT", "code": "12345678903"}}, False, False),
        ({"people": [{"name": {"given": "Mario"}}]}, True, True),
        ({"people": []}, True, False),
        ({}, False, False),
    ],
)
def test_an_sdi_customer_has_a_name_or_people(customer, name_ok, people_ok):
    from silo.gobl.gobl_rules.predicates import NAMED

    invoice = {"customer": customer}
    assert NAMED["customer name check"](invoice, None) is name_ok
    assert NAMED["customer people check"](invoice, None) is people_ok


def test_an_sdi_line_without_vat_gets_it_sdi_invoice_17():
    from silo.gobl.gobl_rules.predicates import NAMED

    assert NAMED["line has tax category VAT"]({"taxes": [{"cat": "VAT"}]}, None)
    assert not NAMED["line has tax category VAT"]({"taxes": [{"cat": "IRPEF"}]}, None)


# --- de-xrechnung


@pytest.mark.parametrize(
    "party, reachable",
    [
        ({"telephones": [{"num": "+49 30 1234"}], "emails": [{"addr": "a@b.de"}]}, True),
        ({"people": [{"telephones": [{"num": "1"}], "emails": [{"addr": "a@b.de"}]}]}, True),
        ({"people": [{}, {"telephones": [{"num": "1"}], "emails": [{"addr": "a@b.de"}]}]}, False),
        ({}, False),
    ],
)
def test_an_xrechnung_supplier_has_a_telephone_and_an_email_of_its_own_or_first_person(
    party, reachable
):
    from silo.gobl.gobl_rules.predicates import NAMED

    assert NAMED["has telephones"](party, None) is reachable
    assert NAMED["has emails"](party, None) is reachable


def test_an_xrechnung_first_address_needs_a_locality_and_a_code():
    from silo.gobl.gobl_rules.predicates import NAMED

    assert NAMED["has locality"]([{"locality": "Berlin"}, {}], None)
    assert not NAMED["has code"]([{"locality": "Berlin"}, {"code": "10115"}], None)
    assert NAMED["has code"]([], None)  # no address: GOBL-DE-XRECHNUNG-BILL-INVOICE-05's


# --- pl-favat, gr-mydata


def test_a_favat_jst_customer_names_its_identity_in_role_8():
    from silo.gobl.gobl_rules.predicates import NAMED

    customer = {"ext": {"pl-favat-jst": "1"}, "identities": [{"code": "1234"}]}
    assert not NAMED["JST identity"]({"customer": customer}, None)
    customer["identities"][0]["ext"] = {"pl-favat-third-party-role": "8"}
    assert NAMED["JST identity"]({"customer": customer}, None)
    assert NAMED["JST identity"]({"customer": {}}, None)  # not a JST


def test_a_favat_exempt_invoice_has_one_exemption_note():
    from silo.gobl.gobl_rules.predicates import NAMED

    note = {"key": "legal", "src": "pl-favat-exemption", "text": "Art. 43"}
    invoice = {"tax": {"ext": {"pl-favat-exemption": "A"}}, "notes": []}
    assert not NAMED["exemption note present"](invoice, None)
    invoice["notes"] = [note]
    assert NAMED["exemption note present"](invoice, None)
    invoice["notes"] = [note, note]
    assert not NAMED["single exemption note"](invoice, None)


@pytest.mark.parametrize(
    "ext, valid",
    [
        (None, True),
        ({}, True),
        ({"gr-mydata-income-cat": "category1_1", "gr-mydata-income-type": "E3_561_001"}, True),
        ({"gr-mydata-income-cat": "category1_1"}, False),
    ],
)
def test_a_mydata_item_names_both_income_codes_or_neither(ext, valid):
    from silo.gobl.gobl_rules.predicates import NAMED

    assert NAMED["income ext pair"](ext, None) is valid


# --- fr-choruspro


@pytest.mark.parametrize(
    "party, faulty",
    [
        ({"ext": {"fr-choruspro-scheme": "1"}, "identities": [{"type": "SIRET"}]}, set()),
        ({"ext": {"fr-choruspro-scheme": "1"}}, {"has SIRET"}),
        ({"ext": {"fr-choruspro-scheme": "2"}, "identities": [{"type": "SIRET"}]}, {"no SIRET"}),
    ],
)
def test_a_choruspro_party_has_a_siret_with_scheme_1_only(party, faulty):
    from silo.gobl.gobl_rules.predicates import NAMED

    found = set()
    if NAMED["party scheme is 1"](party, None) and not NAMED["has SIRET"](
        party.get("identities"), None
    ):
        found.add("has SIRET")
    if NAMED["party scheme is not 1"](party, None) and not NAMED["no SIRET"](
        party.get("identities"), None
    ):
        found.add("no SIRET")
    assert found == faulty


# --- ar-arca, co-dian


@pytest.mark.parametrize(
    "invoice_type, doc_type, faulty",
    [
        ("standard", "1", set()),
        ("credit-note", "3", set()),
        ("credit-note", "1", {"type matches doc type credit note"}),
        ("standard", "3", {"doc type credit note matches type"}),
        ("debit-note", "6", {"type matches doc type debit note"}),
        ("standard", "212", {"doc type debit note matches type"}),
    ],
)
def test_an_arca_invoice_type_and_its_document_type_agree(invoice_type, doc_type, faulty):
    from silo.gobl.gobl_rules.predicates import NAMED

    invoice = {"type": invoice_type, "tax": {"ext": {"ar-arca-doc-type": doc_type}}}
    names = [
        "type matches doc type credit note",
        "type matches doc type debit note",
        "doc type credit note matches type",
        "doc type debit note matches type",
    ]
    assert {name for name in names if not NAMED[name](invoice, None)} == faulty


@pytest.mark.parametrize(
    "series, valid", [("1", True), ("99998", True), ("0", False), ("A1", False)]
)
def test_an_arca_series_is_a_point_of_sale_number(series, valid):
    from silo.gobl.gobl_rules.predicates import NAMED

    assert NAMED["valid series"](series, None) is valid


@pytest.mark.parametrize(
    "percent, valid", [("22.0%", True), ("6.40%", True), ("10%", True), ("21%", False)]
)
def test_an_it_ticket_vat_percentage_is_one_of_italys(percent, valid):
    from silo.gobl.gobl_rules.predicates import BY_ASSERT

    assert BY_ASSERT["GOBL-IT-TICKET-TAX-COMBO-02"](percent, None) is valid
