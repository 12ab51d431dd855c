"""The editor's operations on a definition (workflows/editing.py), without the web layer."""

import pytest

from workflows import editing


def step(name, *blocks):
    found = {"id": f"id-{name}", "name": name, "provider": "silo.state", "config": {"state": "x"}}
    if blocks:
        found["next"] = [{"status": status, "steps": list(inner)} for status, inner in blocks]
    return found


def names(steps):
    return [s["name"] for s in steps]


@pytest.fixture
def flow():
    blocked = step("b", ("KO", [step("k1"), step("k2")]))
    return {"name": "F", "steps": [step("a"), blocked, step("c")]}


def test_reorder_within_a_list_counts_positions_before_the_move(flow):
    moved, where = editing.move_step(flow, "/steps/0", "/steps", 2)
    assert names(moved["steps"]) == ["b", "a", "c"]
    assert where == "/steps/1"
    moved, where = editing.move_step(flow, "/steps/2", "/steps", 0)
    assert names(moved["steps"]) == ["c", "a", "b"]
    assert where == "/steps/0"
    assert names(flow["steps"]) == ["a", "b", "c"], "the input is never changed"


def test_move_into_a_later_siblings_condition_follows_the_shift(flow):
    moved, where = editing.move_step(flow, "/steps/0", "/steps/1/next/0/steps", 1)
    assert names(moved["steps"]) == ["b", "c"]
    assert names(moved["steps"][0]["next"][0]["steps"]) == ["k1", "a", "k2"]
    assert where == "/steps/0/next/0/steps/1"


def test_move_out_of_a_condition_and_into_rescue(flow):
    moved, where = editing.move_step(flow, "/steps/1/next/0/steps/0", "/steps", 3)
    assert names(moved["steps"]) == ["a", "b", "c", "k1"]
    assert where == "/steps/3"
    moved, where = editing.move_step(moved, "/steps/0", "/rescue", 0)
    assert names(moved["rescue"]) == ["a"] and where == "/rescue/0"


def test_a_step_cannot_move_into_its_own_condition(flow):
    with pytest.raises(editing.EditError):
        editing.move_step(flow, "/steps/1", "/steps/1/next/0/steps", 0)


def test_nudge_stops_at_the_ends(flow):
    moved, where = editing.nudge(flow, "/steps/0", +1)
    assert names(moved["steps"]) == ["b", "a", "c"] and where == "/steps/1"
    moved, where = editing.nudge(flow, "/steps/0", -1)
    assert moved is flow and where == "/steps/0"
    moved, where = editing.nudge(flow, "/steps/2", -1)
    assert names(moved["steps"]) == ["a", "c", "b"] and where == "/steps/1"


def test_add_step_uses_the_provider_defaults_and_a_fresh_id(flow):
    added, where = editing.add_step(flow, "/steps/1/next/0/steps", 0, "silo.modify")
    new = added["steps"][1]["next"][0]["steps"][0]
    assert where == "/steps/1/next/0/steps/0"
    assert new["provider"] == "silo.modify" and new["name"] == "Modify silo entry"
    assert new["config"] == {}, "only required settings' defaults are written"
    assert len(new["id"]) == 36
    with pytest.raises(editing.EditError, match="unknown provider"):
        editing.add_step(flow, "/steps", 0, "nope")


def test_add_into_an_empty_rescue_and_a_block_without_steps():
    only = {"id": "1", "provider": "silo.state", "next": [{"status": "OK"}]}
    bare = {"name": "F", "steps": [only]}
    added, _ = editing.add_step(bare, "/rescue", 5, "silo.state")
    assert names(added["rescue"]) == ["Set state"]
    added, where = editing.add_step(bare, "/steps/0/next/0/steps", 0, "silo.state")
    assert where == "/steps/0/next/0/steps/0"


def test_duplicate_renews_every_id(flow):
    copied, where = editing.duplicate_step(flow, "/steps/1")
    twin = copied["steps"][2]
    assert where == "/steps/2" and twin["name"] == "b (copy)"
    assert twin["id"] != "id-b"
    assert twin["next"][0]["steps"][0]["id"] != "id-k1"
    assert copied["steps"][1]["id"] == "id-b"


def test_replace_action_keeps_id_notes_and_conditions(flow):
    flow["steps"][1]["notes"] = "why"
    replaced = editing.replace_action(flow, "/steps/1", "silo.folder")
    step = replaced["steps"][1]
    assert step["provider"] == "silo.folder" and step["config"] == {}
    assert step["id"] == "id-b" and step["notes"] == "why" and step["name"] == "b"
    assert len(step["next"][0]["steps"]) == 2


def test_conditions_are_added_and_removed(flow):
    changed, container = editing.add_condition(flow, "/steps/0", "KO", code="4102", stop=True)
    assert container == "/steps/0/next/0/steps"
    assert changed["steps"][0]["next"] == [
        {"status": "KO", "code": "4102", "stop": True, "steps": []}
    ]
    removed = editing.remove_condition(changed, "/steps/0/next/0")
    assert "next" not in removed["steps"][0]
    with pytest.raises(editing.EditError):
        editing.add_condition(flow, "/steps/0", "MAYBE")


def test_stale_pointers_are_edit_errors(flow):
    for bad in ("/steps/9", "/steps/x", "steps/0", "/name"):
        with pytest.raises(editing.EditError):
            editing.delete_step(flow, bad)
