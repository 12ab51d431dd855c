"""The editor's canvas as plain objects: cards for steps, blocks for conditions, each with its
JSON pointer and the problems found under it, so the templates only lay them out."""

from dataclasses import dataclass, field

from invopop_console.pointers import pointer
from providers import registry

from .definition import Problem, step_provider, walk
from .definition import blocks as next_blocks
from .editing import EditError, resolve
from .summaries import describe

STATUS_LABELS = {"OK": "If OK", "KO": "If KO", "SKIP": "If skipped", "TIMEOUT": "If timed out"}


@dataclass
class Block:
    pointer: str  # of the next block: /steps/0/next/1
    label: str
    code: str
    stop: bool
    jump: str  # legacy step_id
    container: str  # of its step list: /steps/0/next/1/steps
    cards: list["Card"] = field(default_factory=list)


@dataclass
class Card:
    pointer: str
    container: str
    index: int
    last: bool
    step: dict
    problems: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def provider_key(self) -> str:
        return step_provider(self.step)

    @property
    def provider(self):
        return registry.get(self.provider_key)

    @property
    def name(self) -> str:
        return self.step.get("name") or (self.provider.name if self.provider else self.provider_key)

    @property
    def icon(self) -> str:
        return self.provider.icon if self.provider else "unknown"

    @property
    def summary(self) -> str:
        return describe(self.step, self.provider)

    @property
    def nested(self) -> bool:
        return "/next/" in self.pointer

    @property
    def outer_container(self) -> str:
        """For a step inside a condition: the list holding the condition's step."""
        return self.pointer.rsplit("/next/", 1)[0].rsplit("/", 1)[0]

    @property
    def outer_index(self) -> int:
        """...and the place right after that step."""
        return int(self.pointer.rsplit("/next/", 1)[0].rsplit("/", 1)[1]) + 1

    @property
    def in_rescue(self) -> bool:
        return self.pointer.startswith("/rescue/")


def cards(definition: dict, container: str, problems: dict[str, list[str]]) -> list[Card]:
    """The cards of the step list at `container` (a pointer), with their condition blocks."""
    try:
        steps = resolve(definition, container)
    except EditError:  # a block without steps, or no rescue list
        steps = []
    steps = steps if isinstance(steps, list) else []
    found = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        where = f"{container}/{index}"
        card = Card(where, container, index, index == len(steps) - 1, step, problems.get(where, []))
        card.blocks = _blocks(definition, card, problems)
        found.append(card)
    return found


def _blocks(definition: dict, card: Card, problems) -> list[Block]:
    blocks = []
    for n, raw in next_blocks(card.step):
        where = f"{card.pointer}/next/{n}"
        status = raw.get("status") if isinstance(raw.get("status"), str) else ""
        status = status or "Any"
        block = Block(
            pointer=where,
            label=STATUS_LABELS.get(status, "Any status"),
            code=str(raw.get("code") or ""),
            stop=bool(raw.get("stop")),
            jump=str(raw.get("step_id") or ""),
            container=f"{where}/steps",
        )
        block.cards = cards(definition, block.container, problems)
        blocks.append(block)
    return blocks


def problems_by_step(definition: dict, problems: list[Problem]) -> dict[str, list[str]]:
    """Problem messages under each step's pointer (the deepest step that holds the path);
    problems outside any step are under ""."""
    steps = {pointer(*path) for path, _ in walk(definition)}
    found: dict[str, list[str]] = {}
    for problem in problems:
        owner = _owner(problem.path, steps)
        relative = problem.path[len(owner) :] or "/"
        found.setdefault(owner, []).append(f"{relative}: {problem.message}")
    return found


def _owner(path: str, steps: set[str]) -> str:
    tokens = path.split("/")
    for end in range(len(tokens), 1, -1):
        candidate = "/".join(tokens[:end])
        if candidate in steps:
            return candidate
    return ""


@dataclass
class ProblemLink:
    """A problem of a list that takes the person to its field: the step it is in (or none,
    for the workflow's own fields) and the field's pointer inside that step."""

    path: str
    message: str
    step: str
    field: str


def problem_links(definition: dict, problems: list[Problem]) -> list[ProblemLink]:
    steps = {pointer(*path) for path, _ in walk(definition)}
    found = []
    for problem in problems:
        owner = _owner(problem.path, steps)
        found.append(ProblemLink(problem.path, problem.message, owner, problem.path[len(owner) :]))
    return found
