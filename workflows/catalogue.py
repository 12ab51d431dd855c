"""The template catalogue behind "+ Create workflow": empty workflows first, then ready-made ones.

Each template is a JSON file in workflows/catalogue/ (copy one to add another). Step ids in
those files are fixed; instantiate() gives every new workflow ids of its own, because ids name
the steps in jobs, intents and events, and two workflows sharing them would be confusing.
"""

import copy
import json
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .definition import walk

FOLDER = Path(__file__).resolve().parent / "catalogue"
EMPTY = "Empty"


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str
    category: str
    order: int
    definition: dict  # shared by every caller: copy it (instantiate) before changing it

    @property
    def schema(self) -> str:
        return self.definition.get("schema") or ""

    @property
    def step_count(self) -> int:
        """Steps of the main flow, nested ones included; rescue steps are not counted."""
        return sum(1 for path, _ in walk(self.definition) if path[0] == "steps")

    @property
    def is_empty(self) -> bool:
        return self.category == EMPTY


def templates() -> list[Template]:
    """Every template: the empty ones first, then the ready-made ones, each by `order`."""
    return list(_load())


def get(key: str) -> Template | None:
    return next((t for t in _load() if t.key == key), None)


def instantiate(key: str) -> dict:
    """A copy of the template's definition, ready to save as a new workflow. KeyError when
    there is no such template."""
    template = get(key)
    if template is None:
        raise KeyError(key)
    return with_fresh_ids(template.definition)


def with_fresh_ids(definition: dict) -> dict:
    """A deep copy of `definition` in which every step (main, nested, rescue) has a new uuid4
    id, and every next-block `step_id` follows the step it named. A `step_id` that named no
    step is left as it was, for validation to report."""
    fresh = copy.deepcopy(definition)
    steps = [step for _, step in walk(fresh)]
    renamed = {}
    for step in steps:
        new_id = str(uuid.uuid4())
        if isinstance(step.get("id"), str):
            renamed[step["id"]] = new_id
        step["id"] = new_id
    for step in steps:
        for block in step.get("next") or []:
            if isinstance(block, dict) and block.get("step_id") in renamed:
                block["step_id"] = renamed[block["step_id"]]
    return fresh


@cache
def _load() -> tuple[Template, ...]:
    found = [_read(path) for path in sorted(FOLDER.glob("*.json"))]
    return tuple(sorted(found, key=lambda t: (not t.is_empty, t.order, t.key)))


def _read(path: Path) -> Template:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("key") != path.stem:
        raise ValueError(f"{path.name}: the key must be the file's name, {path.stem!r}")
    return Template(
        key=data["key"],
        title=data["title"],
        description=data["description"],
        category=data["category"],
        order=int(data["order"]),
        definition=data["definition"],
    )
