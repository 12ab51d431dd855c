"""The step config form: fields from a provider's config_schema, and the posted form read back."""

import json
import re

from django.http import QueryDict
from django.template.loader import render_to_string

from providers import registry
from workflows import config_form
from workflows.config_form import boolean_pointers, fields, parse, problems_for_step
from workflows.definition import Problem, validate

TEMPLATE = "workflows/editor/_config_fields.html"

EVERY_KIND = {
    "type": "object",
    "required": ["name", "mode"],
    "properties": {
        "name": {"type": "string", "examples": ["Invoice", "Credit note"]},
        "body": {"type": "string", "format": "textarea"},
        "ratio": {"type": "number", "default": 0.5},
        "count": {"type": "integer", "title": "How many"},
        "enabled": {"type": "boolean", "default": True},
        "mode": {"enum": ["fast", "slow"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "retry": {
            "type": "object",
            "description": "When to try again.",
            "properties": {"initial": {"type": "number"}, "quiet": {"type": "boolean"}},
        },
        "patch": {"type": ["object", "array"]},
    },
}


def schema_of(key: str) -> dict:
    return registry.get(key).config_schema


def by_pointer(found) -> dict:
    return dict(config_form._walk(found))


def posted(found, **changes) -> dict:
    """What a browser posts for the rendered fields: checked boxes only, CRLF line breaks."""
    form = {"__booleans": boolean_pointers(found)}
    for where, f in config_form._walk(found):
        if f.kind == "boolean" and f.value:
            form[where] = "on"
        elif f.kind not in ("boolean", "object"):
            form[where] = f.value.replace("\n", "\r\n")
    for where, value in changes.items():
        if value is None:
            form.pop(where, None)
        else:
            form[where] = value
    return form


def select(html: str, where: str) -> str:
    return re.search(rf'<select [^>]*name="{where}".*?</select>', html, re.S).group(0)


def render(found, **context) -> str:
    return render_to_string(TEMPLATE, {"fields": found, **context})


# Building the fields


def test_fields_follow_the_schema_order_with_a_kind_for_each():
    found = fields(EVERY_KIND, {})
    assert [(f.pointer, f.kind) for f in found] == [
        ("/name", "text"),
        ("/body", "textarea"),
        ("/ratio", "number"),
        ("/count", "integer"),
        ("/enabled", "boolean"),
        ("/mode", "enum"),
        ("/tags", "list"),
        ("/retry", "object"),
        ("/patch", "json"),
    ]
    assert [(f.pointer, f.kind) for f in found[7].children] == [
        ("/retry/initial", "number"),
        ("/retry/quiet", "boolean"),
    ]


def test_the_real_providers_get_the_expected_kinds():
    modify = {f.pointer: f.kind for f in fields(schema_of("silo.modify"), {})}
    assert modify == {
        "/merge_type": "enum",
        "/data": "json",
        "/jq": "text",
        "/scope": "enum",
        "/expr": "text",
        "/addons": "list",
        "/sign": "boolean",
        "/allow_invalid_json": "boolean",
    }
    assert [f.kind for f in fields(schema_of("sequence.enumerate"), {})] == [
        "text",
        "text",
        "integer",
        "integer",
    ]
    assert [f.kind for f in fields(schema_of("cron.subscribe"), {})] == ["text", "text", "integer"]
    assert fields(schema_of("silo.sleep"), {})[0].kind == "text"


def test_long_or_multiline_strings_get_a_textarea():
    schema = {
        "properties": {
            "a": {"type": "string", "maxLength": 201},
            "b": {"type": "string", "maxLength": 200},
            "c": {"type": "string", "x-multiline": True},
        }
    }
    assert [f.kind for f in fields(schema, {})] == ["textarea", "text", "textarea"]


def test_one_of_any_of_and_maps_are_edited_as_json():
    schema = {
        "properties": {
            "one": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "any": {"anyOf": [{"type": "string"}]},
            "map": {"type": "object", "additionalProperties": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object"}},
            "untyped": {},
        }
    }
    assert [f.kind for f in fields(schema, {})] == ["json"] * 5


def test_labels_are_titles_else_the_key_humanised():
    found = by_pointer(fields(schema_of("silo.modify"), {}))
    assert found["/merge_type"].label == "Modification"
    assert found["/allow_invalid_json"].label == "Allow invalid json"


def test_ids_are_safe_and_follow_the_pointer():
    found = by_pointer(fields(EVERY_KIND, {}))
    assert found["/retry/initial"].dom_id == "cfg-retry-initial"
    assert found["/name"].dom_id == "cfg-name"


def test_values_come_from_the_config_else_the_default():
    found = fields(schema_of("sequence.enumerate"), {"name": "Invoice", "start": 100})
    assert [(f.pointer, f.value) for f in found] == [
        ("/name", "Invoice"),
        ("/prefix", ""),
        ("/padding", "0"),
        ("/start", "100"),
    ]


def test_placeholders_are_the_first_example_else_the_default():
    found = fields(schema_of("sequence.enumerate"), {})
    assert [f.placeholder for f in found] == ["Invoice", "INV-", "0", "1"]


def test_required_help_and_options_come_from_the_schema():
    found = by_pointer(fields(schema_of("silo.modify"), {}))
    scope = found["/scope"]
    assert scope.options == [('"envelope"', "envelope"), ('"doc"', "doc")]
    assert scope.value == '"envelope"'
    assert scope.required is False
    assert found["/data"].help == "A merge patch (object) or a JSON patch (list of operations)."
    assert fields(schema_of("silo.state"), {})[0].required is True


def test_enums_with_values_that_are_not_strings_are_json_encoded():
    schema = {"properties": {"level": {"enum": [1, 2, "x", None]}}}
    level = fields(schema, {"level": 2})[0]
    assert level.options == [("1", "1"), ("2", "2"), ('"x"', "x"), ("null", "null")]
    assert level.value == "2"
    assert parse(schema, {"level": 2}, {"/level": "null"}) == ({"level": None}, {})
    assert parse(schema, {}, {"/level": "1"}) == ({"level": 1}, {})


def test_a_value_the_widget_cannot_show_is_edited_as_json():
    found = fields(schema_of("silo.state"), {"state": {"odd": True}, "notes": "two\nlines"})
    assert [(f.kind, f.value) for f in found] == [
        ("json", '{\n  "odd": true\n}'),
        ("textarea", "two\nlines"),
    ]


def test_boolean_pointers_list_every_checkbox_nested_too():
    assert boolean_pointers(fields(EVERY_KIND, {})) == "/enabled,/retry/quiet"


# Reading the form back


def test_an_untouched_form_gives_back_the_same_config():
    cases = [
        ("silo.modify", {"merge_type": "application/jq", "jq": ".", "addons": ["a.b"], "z": 1}),
        ("silo.modify", {"data": {"doc": {"x": [1, 2]}}, "sign": True, "scope": "doc"}),
        ("sequence.enumerate", {"name": "Invoice", "padding": 6}),
        ("cron.subscribe", {"interval": "3600", "factor": 2}),
        ("silo.sleep", {"duration": 1.5}),
        ("silo.state", {"state": 7, "notes": "line one\nline two"}),
        ("transform.job.create", {}),
    ]
    for key, config in cases:
        schema = schema_of(key)
        assert parse(schema, config, posted(fields(schema, config))) == (config, {}), key


def test_defaults_shown_in_an_untouched_form_are_not_written():
    schema = schema_of("silo.modify")
    assert parse(schema, {}, posted(fields(schema, {}))) == ({}, {})


def test_unknown_keys_survive_an_edit():
    schema = schema_of("silo.state")
    config = {"state": "sent", "x-extra": {"keep": [1, 2]}, "notes": "n"}
    form = posted(fields(schema, config), **{"/state": "completed"})
    assert parse(schema, config, form) == (
        {"state": "completed", "x-extra": {"keep": [1, 2]}, "notes": "n"},
        {},
    )


def test_an_edit_does_not_share_objects_with_the_old_config():
    schema = schema_of("silo.state")
    config = {"state": "sent", "x-extra": {"keep": [1]}}
    changed, _ = parse(schema, config, {"/state": "done"})
    changed["x-extra"]["keep"].append(2)
    assert config["x-extra"] == {"keep": [1]}


def test_an_emptied_field_unsets_its_key():
    schema = schema_of("sequence.enumerate")
    config = {"name": "Invoice", "prefix": "INV-", "padding": 6}
    form = posted(fields(schema, config), **{"/prefix": "", "/padding": ""})
    assert parse(schema, config, form) == ({"name": "Invoice"}, {})


def test_fields_missing_from_the_form_are_left_alone():
    schema = schema_of("silo.modify")
    config = {"jq": ".", "sign": True, "addons": ["x"]}
    assert parse(schema, config, {"/expr": "doc != null"}) == (
        {"jq": ".", "sign": True, "addons": ["x"], "expr": "doc != null"},
        {},
    )


def test_every_kind_is_read_from_the_form():
    form = {
        "/name": "Invoice",
        "/body": "Dear customer,\r\nthanks.",
        "/ratio": "2.25",
        "/count": "3",
        "/enabled": "on",
        "/mode": '"slow"',
        "/tags": "red\r\n\r\n  blue  \r\n",
        "/retry/initial": "1",
        "/patch": '[{"op": "remove", "path": "/a"}]',
    }
    assert parse(EVERY_KIND, {}, form) == (
        {
            "name": "Invoice",
            "body": "Dear customer,\nthanks.",
            "ratio": 2.25,
            "count": 3,
            "mode": "slow",
            "tags": ["red", "blue"],
            "retry": {"initial": 1},
            "patch": [{"op": "remove", "path": "/a"}],
        },
        {},
    )


def test_a_string_or_integer_field_keeps_the_type_it_reads_as():
    schema = schema_of("cron.subscribe")
    assert parse(schema, {}, {"/interval": "7200"})[0] == {"interval": 7200}
    assert parse(schema, {}, {"/interval": "daily"})[0] == {"interval": "daily"}
    assert parse(schema, {"interval": 60}, {"/interval": "60"})[0] == {"interval": 60}
    assert parse(schema, {"interval": "60"}, {"/interval": "60"})[0] == {"interval": "60"}


def test_a_number_that_is_not_one_is_an_error_and_the_old_value_stays():
    config = {"ratio": 0.25, "count": 4, "name": "x"}
    form = {"/ratio": "abc", "/count": "1.5", "/name": "y"}
    assert parse(EVERY_KIND, config, form) == (
        {"ratio": 0.25, "count": 4, "name": "y"},
        {"/ratio": "must be a number", "/count": "must be a whole number"},
    )


def test_integers_accept_whole_numbers_written_as_decimals():
    assert parse(EVERY_KIND, {}, {"/count": "2.0", "/ratio": "1e3"})[0] == {
        "count": 2,
        "ratio": 1000.0,
    }


def test_bad_json_is_an_error_and_the_old_value_stays():
    config = {"data": {"a": 1}, "jq": "."}
    changed, errors = parse(schema_of("silo.modify"), config, {"/data": '{"a": ', "/jq": ".x"})
    assert changed == {"data": {"a": 1}, "jq": ".x"}
    assert list(errors) == ["/data"]
    assert errors["/data"].startswith("is not valid JSON: Expecting value (line 1, column 7)")


def test_a_list_of_numbers_is_read_one_number_a_line():
    schema = {"properties": {"codes": {"type": "array", "items": {"type": "integer"}}}}
    assert parse(schema, {}, {"/codes": "1\n 20 \n\n"}) == ({"codes": [1, 20]}, {})
    assert parse(schema, {"codes": [5]}, {"/codes": "1\nx"}) == (
        {"codes": [5]},
        {"/codes": "one item a line; each must be a whole number"},
    )


def test_an_enum_refuses_a_value_that_is_not_a_choice():
    schema = schema_of("silo.modify")
    config = {"scope": "doc"}
    assert parse(schema, config, {"/scope": '"everything"'}) == (
        {"scope": "doc"},
        {"/scope": "must be one of the choices"},
    )
    assert parse(schema, config, {"/scope": ""}) == ({}, {})


def test_a_rendered_checkbox_missing_from_the_post_is_false():
    schema = schema_of("silo.modify")
    form = {"__booleans": "/sign,/allow_invalid_json"}
    assert parse(schema, {"sign": True}, form) == ({"sign": False}, {})


def test_an_unchecked_box_with_a_false_default_adds_nothing():
    schema = schema_of("silo.modify")
    form = {"__booleans": "/sign,/allow_invalid_json", "/allow_invalid_json": "true"}
    assert parse(schema, {}, form) == ({"allow_invalid_json": True}, {})


def test_an_unchecked_box_with_a_true_default_is_written_false():
    form = {"__booleans": "/enabled,/retry/quiet"}
    assert parse(EVERY_KIND, {}, form) == ({"enabled": False}, {})


def test_a_checkbox_not_rendered_is_left_alone():
    schema = schema_of("silo.modify")
    assert parse(schema, {"sign": True}, {"__booleans": "/allow_invalid_json"}) == (
        {"sign": True},
        {},
    )


def test_a_query_dict_from_a_real_post_is_read():
    schema = schema_of("silo.modify")
    form = QueryDict("step=%2Fsteps%2F0&%2Fjq=.&%2Fsign=on&__booleans=%2Fsign")
    assert parse(schema, {}, form) == ({"jq": ".", "sign": True}, {})


def test_a_nested_object_is_read_into_its_own_keys():
    config = {"retry": {"initial": 1, "x-unknown": "kept"}}
    form = {"/retry/initial": "2.5", "/retry/quiet": "on"}
    assert parse(EVERY_KIND, config, form) == (
        {"retry": {"initial": 2.5, "quiet": True, "x-unknown": "kept"}},
        {},
    )


def test_a_nested_object_left_empty_is_added_only_if_it_was_there():
    form = {"/retry/initial": "", "__booleans": "/retry/quiet"}
    assert parse(EVERY_KIND, {}, form) == ({}, {})
    assert parse(EVERY_KIND, {"retry": {}}, form) == ({"retry": {}}, {})
    assert parse(EVERY_KIND, {"retry": {"initial": 3}}, form) == ({"retry": {}}, {})


def test_errors_inside_a_nested_object_are_at_its_pointer():
    _, errors = parse(EVERY_KIND, {}, {"/retry/initial": "soon"})
    assert errors == {"/retry/initial": "must be a number"}


# Problems


def test_a_problem_is_shown_on_its_field():
    found = by_pointer(fields(EVERY_KIND, {}, {"/retry/initial": "must be greater than 0"}))
    assert found["/retry/initial"].error == "must be greater than 0"
    assert found["/retry"].error == ""


def test_a_problem_inside_a_json_field_goes_to_the_nearest_field():
    found = by_pointer(fields(schema_of("silo.modify"), {}, {"/data/0/op": "'op' is wrong"}))
    assert found["/data"].error == "'op' is wrong"


def test_a_missing_required_key_is_shown_on_its_field():
    found = fields(schema_of("silo.state"), {}, {"": "'state' is a required property"})
    assert found[0].error == "'state' is a required property"


def test_a_problem_outside_every_field_is_not_placed():
    found = fields(schema_of("silo.state"), {}, {"/other": "nope", "": "not an object"})
    assert [f.error for f in found] == ["", ""]


def test_the_first_problem_for_a_field_wins():
    problems = {"/data": "first", "/data/0": "second"}
    found = by_pointer(fields(schema_of("silo.modify"), {}, problems))
    assert found["/data"].error == "first"


def test_a_field_with_an_error_shows_what_was_typed():
    schema = schema_of("silo.modify")
    config = {"data": {"a": 1}}
    form = {"/data": '{"a": '}
    changed, errors = parse(schema, config, form)
    found = by_pointer(fields(schema, changed, errors, submitted=form))
    assert found["/data"].value == '{"a": '
    assert by_pointer(fields(schema, changed, errors))["/data"].value == '{\n  "a": 1\n}'


def test_problems_for_step_keeps_the_steps_config_problems_relative_to_it():
    problems = [
        Problem("/steps/1/config/state", "does not match"),
        Problem("/steps/1/config/state", "second message"),
        Problem("/steps/1/config", "'state' is a required property"),
        Problem("/steps/10/config/state", "another step"),
        Problem("/steps/1/name", "not config"),
        Problem("/steps/1/configuration", "not config either"),
        Problem("/steps/1/config/data/0/op", "bad op", "warning"),
    ]
    assert problems_for_step(problems, "/steps/1") == {
        "/state": "does not match",
        "": "'state' is a required property",
        "/data/0/op": "bad op",
    }


def test_problems_of_a_real_definition_reach_the_form():
    definition = {
        "name": "Numbering",
        "steps": [
            {"id": "a", "provider": "silo.state", "config": {"state": "sent"}},
            {"id": "b", "provider": "sequence.enumerate", "config": {"padding": -1}},
        ],
    }
    known = problems_for_step(validate(definition), "/steps/1")
    found = by_pointer(fields(schema_of("sequence.enumerate"), {"padding": -1}, known))
    assert found["/name"].error == "Series is required"
    assert found["/padding"].error == "Padding must be 0 or more"


# The template


def test_the_template_renders_every_kind():
    found = fields(
        EVERY_KIND,
        {"body": "a\nb", "count": 2, "mode": "fast", "tags": ["x", "y"], "patch": {"k": 1}},
    )
    html = render(found, booleans=boolean_pointers(found))
    assert '<input type="text" id="cfg-name" name="/name" value="" placeholder="Invoice"' in html
    assert '<textarea id="cfg-body" name="/body" rows="3">\na\nb</textarea>' in html
    assert 'type="number" step="any" id="cfg-ratio" name="/ratio" value="0.5"' in html
    assert 'type="number" step="1" id="cfg-count" name="/count" value="2"' in html
    assert '<input type="checkbox" id="cfg-enabled" name="/enabled" value="true" checked>' in html
    assert '<option value="&quot;fast&quot;" selected>fast</option>' in html
    assert '<textarea id="cfg-tags" name="/tags" rows="3">\nx\ny</textarea>' in html
    assert 'name="/patch" rows="3" class="mono"' in html
    assert '<label for="cfg-count">How many</label>' in html


def test_required_fields_are_marked_and_optional_selects_can_be_emptied():
    html = render(fields(schema_of("silo.modify"), {}) + fields(EVERY_KIND, {"mode": "fast"}))
    assert '<option value="">—</option>' in select(html, "/scope")
    assert '<option value="">—</option>' not in select(html, "/mode")
    assert 'aria-required="true"' in select(html, "/mode")
    assert '<label for="cfg-name">Name <span class="cf-required" aria-hidden="true">*' in html


def test_a_required_select_without_a_value_offers_no_choice_yet():
    html = render(fields(EVERY_KIND, {}))
    assert '<option value="">—</option>' in select(html, "/mode")


def test_a_nested_object_is_a_fieldset_and_the_booleans_list_is_emitted_once():
    found = fields(EVERY_KIND, {})
    html = render(found, booleans=boolean_pointers(found))
    assert '<fieldset class="cf-group" id="cfg-retry" data-pointer="/retry"' in html
    assert "<legend>Retry</legend>" in html
    assert 'id="cfg-retry-initial" name="/retry/initial"' in html
    assert html.index("</fieldset>") > html.index('name="/retry/quiet"')
    assert html.count('name="__booleans"') == 1
    assert '<input type="hidden" name="__booleans" value="/enabled,/retry/quiet">' in html


def test_errors_and_help_are_linked_to_their_input():
    found = fields(schema_of("silo.state"), {}, {"/state": "does not match"})
    html = render(found)
    assert '<div class="cf-field cf-text has-error" data-pointer="/state">' in html
    assert 'aria-describedby="cfg-state-help cfg-state-error" aria-invalid="true"' in html
    assert '<p class="cf-error" id="cfg-state-error" role="alert">does not match</p>' in html
    assert '<p class="cf-help" id="cfg-state-help">Lower-case key' in html


def test_textareas_grow_with_their_content_within_bounds():
    schema = {"properties": {"p": {"type": "array", "items": {"type": "object"}}}}
    assert fields(schema, {"p": [{"a": 1}]})[0].rows == 5
    assert fields(schema, {"p": [{"a": n} for n in range(20)]})[0].rows == 14
    assert fields(schema, {})[0].rows == 3


def test_a_schema_without_properties_says_there_is_nothing_to_set():
    html = render(fields({"type": "object"}, {}))
    assert '<p class="cf-empty">This action has no settings.</p>' in html
    assert "__booleans" not in html


def test_a_rendered_form_posts_back_what_it_shows():
    """The rendered HTML, read like a browser would, is a no-op post."""
    schema = schema_of("silo.modify")
    config = {"data": [{"op": "add", "path": "/a", "value": '"q"'}], "sign": True, "w": 0}
    html = render(fields(schema, config))
    assert "&quot;q\\&quot;" in html  # the JSON text, escaped for HTML
    assert json.loads(fields(schema, config)[1].value) == config["data"]
    assert parse(schema, config, posted(fields(schema, config))) == (config, {})
