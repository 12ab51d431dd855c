"""The provider registry: the only way the engine and the editor reach providers.

A provider module registers its actions with @provider(...) when it is imported; the first
question asked of the registry imports every module listed in settings.PROVIDER_MODULES.
Not at start-up: the processes that never run or list a step (django-q2's sentinel, pusher
and monitor, and the web process while it only takes jobs) would each hold every provider's
libraries (lxml, babel, requests…) for nothing — 26 MB a process (BENCHMARKS.md, footprint).
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

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
    load_all()
    return _providers.get(key)


def all_providers() -> list[Provider]:
    load_all()
    return sorted(_providers.values(), key=lambda p: (CATEGORIES.index(p.category), p.name))
