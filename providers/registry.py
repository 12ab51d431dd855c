"""The provider registry: the only way the engine and the editor reach providers.

A provider module registers its actions with @provider(...) when it is imported. Modules are
imported when first needed, not at start-up: asked for one action, the registry imports the
module that registers it (found by reading the modules' source, `_index`); asked for the
list, every module in settings.PROVIDER_MODULES. A process that never runs or lists a step
(django-q2's sentinel, pusher and monitor, the web process while it only takes jobs) would
otherwise hold every provider's libraries (lxml, babel, requests, cryptography…) for
nothing, and a worker would hold those of actions it never runs — ~20 MB a process
(BENCHMARKS.md, footprint).
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path

from .base import Outcome, StepContext

CATEGORIES = ["Core", "Documents", "Notify", "Tax agencies", "Formats", "ERP"]


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    category: str
    summary: str
    run: Callable[[StepContext], Outcome]
    config_schema: dict = field(default_factory=lambda: {"type": "object"})
    icon: str = "bolt"
    timeout: float = 120.0  # seconds a run may take before it is a TIMEOUT
    # Seconds a step that answers QUEUED may wait for its counterpart (a person's approval)
    # before it is a TIMEOUT, when longer than the engine's give_up_after.
    max_wait: float = 0.0
    # Transactional providers run inside the transaction that records their outcome, so what
    # they reserve (a sequence number) is kept only if the step completes.
    transactional: bool = False
    # Pure providers only read their context: no database access of their own beyond
    # providers.silo.fresh(). A batch of jobs runs them in memory (jobs/batch.py).
    pure: bool = False
    # What the config schema cannot say and would fail at run time (an email to nobody):
    # check(config) -> [(pointer inside the config, message)], shown by the editor and the API.
    check: Callable[[dict], list[tuple[str, str]]] | None = None


_providers: dict[str, Provider] = {}
_loading = threading.RLock()  # reentrant: a module being imported may ask the registry
_loaded = False


def load_all() -> None:
    """Import every provider module, once per process."""
    global _loaded
    if _loaded:
        return
    from django.conf import settings

    with _loading:
        if not _loaded:
            for module in settings.PROVIDER_MODULES:
                import_module(module)
            _loaded = True


# How every provider module registers an action; tests/test_registry.py holds that the index
# read with it names the module of every registered action.
_REGISTRATION = re.compile(r'(?<![\w.])@?provider\(\s*"([^"]+)"')


@cache
def _index() -> dict[str, str]:
    """Action key → the module that registers it, read from the modules' source files."""
    from django.conf import settings

    found = {}
    for module in settings.PROVIDER_MODULES:
        for key in _REGISTRATION.findall(_source_of(module)):
            found[key] = module
    return found


def _source_of(module: str) -> str:
    """A module's source, found without importing it (a package's __init__ would be)."""
    top, *rest = module.split(".")
    folder = Path(next(iter(import_module(top).__path__))).joinpath(*rest)
    for path in (folder.with_suffix(".py"), folder / "__init__.py"):
        if path.exists():
            return path.read_text()
    return ""


def _load_for(key: str) -> None:
    """Import the module of `key`; every module when the index does not know it."""
    module = _index().get(key)
    if module:
        with _loading:
            import_module(module)
    if key not in _providers:
        load_all()


def provider(key: str, *, name: str, category: str, summary: str, **options):
    """Register the decorated function as the action `key`."""
    if category not in CATEGORIES:
        raise ValueError(f"{key}: unknown category {category!r}")

    def register(run: Callable[[StepContext], Outcome]):
        if key in _providers:
            raise ValueError(f"provider {key!r} is registered twice")
        _providers[key] = Provider(key, name, category, summary, run, **options)
        return run

    return register


def get(key: str) -> Provider | None:
    if key not in _providers and not _loaded:
        _load_for(key)
    return _providers.get(key)


def all_providers() -> list[Provider]:
    load_all()
    return sorted(_providers.values(), key=lambda p: (CATEGORIES.index(p.category), p.name))
