"""invopop_console.json_input: the one set of rules for JSON that clients send."""

import json

import pytest

from invopop_console import json_input


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    ("text", "pointer", "message"),
    [
        ('{"a": "x\\u0000y"}', "/a", "NUL"),
        ('{"a": {"\\u0000": 1}}', "/a/\x00", "its name must not contain the NUL"),
        ('{"a": ["\\ud800"]}', "/a/0", "lone surrogate"),
        ('{"\\udfff": 1}', "/\\udfff", "its name must not contain a lone surrogate"),
        ('{"a": 1e400}', "/a", "finite"),
        ('{"a": -1e400}', "/a", "finite"),
        ('{"a": NaN}', "/a", "finite"),
        ('{"a": [Infinity]}', "/a/0", "finite"),
        ('{"a/b": {"c~d": NaN}}', "/a~1b/c~0d", "finite"),
        (nested(100), "/0/0/0", "deeper than 64"),
    ],
)
def test_what_cannot_be_kept_is_named_by_its_pointer(text, pointer, message):
    with pytest.raises(json_input.BadJson) as raised:
        json_input.parse(text)

    [(found, said)] = raised.value.problems.items()
    assert found.startswith(pointer) and message in said
    json.dumps(raised.value.problems).encode()  # the report itself can be written


@pytest.mark.parametrize(
    "text",
    ["{not json", "", nested(100_000), b"\xff\xfe\x00", "1" * 5000, '"a" "b"'],
)
def test_what_is_not_json_is_not_json(text):
    with pytest.raises(json_input.NotJson):
        json_input.parse(text)


def test_text_over_the_body_limit_is_not_read(settings):
    settings.API_MAX_BODY_BYTES = 10

    with pytest.raises(json_input.NotJson, match="larger than the limit of 10 bytes"):
        json_input.parse('{"a": "0123456789"}')


def test_ordinary_json_passes_as_it_is():
    text = '{"name": "Café ✓ 😀", "n": [1, 2.5, -0.0, 1e308, true, null], "deep": ' + nested(60)
    text += "}"

    assert json_input.parse(text) == json.loads(text)


def test_a_forms_dict_of_strings_is_checked_with_a_prefix():
    assert json_input.problems({"key": "a\x00"}, prefix="/data") == {
        "/data/key": "must not contain the NUL character"
    }
    assert json_input.problems({"key": "fine"}) == {}


def test_no_more_than_twenty_problems_are_listed():
    assert len(json_input.problems([float("nan")] * 100)) == json_input.MAX_PROBLEMS
