"""What the editor does to a definition: add, move, copy, replace and delete steps, and edit
condition blocks. Pure functions on a copy of the definition; the views persist the result.

Steps are addressed by JSON pointer ("/steps/2", "/steps/2/next/0/steps/1", "/rescue/0") and
step lists by the pointer of the list ("/steps", "/rescue", "/steps/2/next/0/steps"), because a
pasted definition may have steps without ids, or with duplicate ones, and still be edited.
"""

import copy
import re
import uuid

from invopop_console.pointers import pointer, split
from providers import registry

from .definition import STATUSES, blocks

INDEX = re.compile(r"0|[1-9][0-9]*")


class EditError(ValueError):
    """An edit that does not fit the definition (a stale pointer, a move into itself)."""


def parts(path: str) -> list:
    """JSON pointer → parts, list indexes as ints (only as RFC 6901 writes them: "2", never
    "02", "-1" or "²", which name no list item)."""
    try:
        tokens = split(path)
    except ValueError as exc:
        raise EditError(str(exc)) from None
    return [int(t) if INDEX.fullmatch(t) else t for t in tokens]


def resolve(definition: dict, path: str):
    node = definition
    for part in parts(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"nothing at {path}") from None
    return node


def step_list(definition: dict, path: str) -> list:
    """The step list at `path`, created when it is a missing or null list of a block or the
    rescue flow (an empty condition block has `steps: null` or none at all). Only the main
    flow, the rescue flow and a condition block's steps are step lists."""
    found = parts(path)
    top_level = len(found) == 1 and found[0] in ("steps", "rescue")
    in_block = len(found) >= 4 and found[-1] == "steps" and found[-3] == "next"
    if not (top_level or (in_block and isinstance(found[-2], int))):
        raise EditError(f"{path or '/'} is not a list of steps")
    *head, name = found
    if in_block:
        locate(definition, pointer(*head[:-2]))  # the block belongs to a step
    owner = resolve(definition, pointer(*head))
    if not isinstance(owner, dict):
        raise EditError(f"nothing at {path}")
    if not isinstance(owner.get(name), list):
        owner[name] = []
    return owner[name]


def locate(definition: dict, path: str) -> tuple[list, int]:
    """The list holding the step at `path`, and its index there."""
    *head, index = parts(path) or [None]
    if not isinstance(index, int):
        raise EditError(f"{path or '/'} is not a step")
    steps = step_list(definition, pointer(*head))
    if index >= len(steps) or not isinstance(steps[index], dict):
        raise EditError(f"no step at {path}")
    return steps, index


def new_step(provider_key: str) -> dict:
    """A step for the provider, with a fresh id. The config holds only the defaults of required
    settings: the others are shown in the form and applied by the provider when absent, so
    the JSON stays as short as a hand-written one."""
    found = registry.get(provider_key)
    if found is None:
        raise EditError(f"unknown provider {provider_key!r}")
    step = {"id": str(uuid.uuid4()), "name": found.name, "provider": found.key}
    schema = found.config_schema
    defaults = {
        key: prop["default"]
        for key, prop in schema.get("properties", {}).items()
        if "default" in prop and key in schema.get("required", [])
    }
    step["config"] = defaults
    return step


def add_step(definition: dict, container: str, index: int, provider_key: str) -> tuple[dict, str]:
    """Insert a new step; returns the definition and the new step's pointer."""
    result = copy.deepcopy(definition)
    steps = step_list(result, container)
    index = _clamp(index, len(steps))
    steps.insert(index, new_step(provider_key))
    return result, f"{container}/{index}"


def move_step(definition: dict, source: str, container: str, index: int) -> tuple[dict, str]:
    """Move the step at `source` to position `index` of the list `container` (the index
    counts positions in the list as it is before the move). Returns the new pointer."""
    if container == source or container.startswith(source + "/"):
        raise EditError("a step cannot move into its own conditions")
    result = copy.deepcopy(definition)
    steps, old = locate(result, source)
    target = step_list(result, container)
    if target is steps and index > old:
        index -= 1  # the step's own slot disappears first
    step = steps.pop(old)
    # Removing the step may shift the target list's own pointer (a later sibling's block).
    container = _shifted(container, source)
    target = step_list(result, container)
    index = _clamp(index, len(target))
    target.insert(index, step)
    return result, f"{container}/{index}"


def _shifted(path: str, removed: str) -> str:
    """`path` after the step at `removed` left its list (later siblings move up one)."""
    removed_parts, path_parts = parts(removed), parts(path)
    depth = len(removed_parts)
    same_list = path_parts[: depth - 1] == removed_parts[:-1]
    if len(path_parts) >= depth and same_list and path_parts[depth - 1] > removed_parts[-1]:
        path_parts[depth - 1] -= 1
    return pointer(*path_parts)


def nudge(definition: dict, source: str, offset: int) -> tuple[dict, str]:
    """Move a step one place up (-1) or down (+1) within its list: the keyboard move."""
    steps, index = locate(definition, source)
    target = index + offset
    if not 0 <= target < len(steps):
        return definition, source
    container = source.rsplit("/", 1)[0]
    return move_step(definition, source, container, target + (1 if offset > 0 else 0))


def delete_step(definition: dict, source: str) -> dict:
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    del steps[index]
    return result


def duplicate_step(definition: dict, source: str) -> tuple[dict, str]:
    """A copy right after the original, with fresh ids (also for its nested steps)."""
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    twin = copy.deepcopy(steps[index])
    _renew_ids(twin)
    if isinstance(twin.get("name"), str):
        twin["name"] = f"{twin['name']} (copy)"
    steps.insert(index + 1, twin)
    return result, f"{source.rsplit('/', 1)[0]}/{index + 1}"


def _renew_ids(step: dict) -> None:
    step["id"] = str(uuid.uuid4())
    for _, block in blocks(step):
        inner_steps = block.get("steps")
        for inner in inner_steps if isinstance(inner_steps, list) else []:
            if isinstance(inner, dict):
                _renew_ids(inner)


def replace_action(definition: dict, source: str, provider_key: str) -> dict:
    """Swap the step's provider, keeping its id, name (unless it was the old default),
    notes and conditions; the config starts again from the new provider's defaults."""
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    step, fresh = steps[index], new_step(provider_key)
    old = registry.get(step.get("provider") or step.get("action") or "")
    if not step.get("name") or (old and step.get("name") == old.name):
        step["name"] = fresh["name"]
    step.pop("action", None)
    step["provider"], step["config"] = fresh["provider"], fresh["config"]
    step.pop("summary", None)
    return result


def update_step(definition: dict, source: str, **fields: str) -> dict:
    """Set name, notes or summary (an empty value removes notes and summary)."""
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    for field, value in fields.items():
        if value or field == "name":
            steps[index][field] = value
        else:
            steps[index].pop(field, None)
    return result


def set_config(definition: dict, source: str, config: dict) -> dict:
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    if steps[index].get("config") != config:
        # Invopop's summary described the old settings; the card now describes the new ones.
        steps[index].pop("summary", None)
    steps[index]["config"] = config
    return result


def add_condition(
    definition: dict, source: str, status: str, code: str = "", stop: bool = False
) -> tuple[dict, str]:
    """Append a next block to the step; returns the pointer of the block's step list."""
    if status not in STATUSES:
        raise EditError(f"unknown status {status!r}")
    result = copy.deepcopy(definition)
    steps, index = locate(result, source)
    block: dict = {"status": status} if status else {}
    if code:
        block["code"] = code
    if stop:
        block["stop"] = True
    block["steps"] = []
    blocks = steps[index].get("next")
    if not isinstance(blocks, list):
        blocks = steps[index]["next"] = []
    blocks.append(block)
    return result, f"{source}/next/{len(blocks) - 1}/steps"


def remove_condition(definition: dict, block: str) -> dict:
    """Delete a next block (with its nested steps)."""
    result = copy.deepcopy(definition)
    *head, index = parts(block)
    blocks = resolve(result, pointer(*head))
    if not isinstance(blocks, list) or not isinstance(index, int) or index >= len(blocks):
        raise EditError(f"no condition at {block}")
    del blocks[index]
    if not blocks:
        del resolve(result, pointer(*head[:-1]))["next"]
    return result


def update_settings(definition: dict, **fields: str) -> dict:
    result = copy.deepcopy(definition)
    result.update(fields)
    return result


def _clamp(index: int, length: int) -> int:
    return max(0, min(index, length))
