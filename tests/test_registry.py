"""The registry imports the module of the action it is asked for, not every provider's."""

import subprocess
import sys

from providers import registry


def test_the_index_names_the_module_of_every_registered_action():
    registry.load_all()
    registered = {key: found.run.__module__ for key, found in registry._providers.items()}
    assert registry._index() == registered


def test_asking_for_one_action_imports_its_module_only():
    script = (
        "import django, sys; django.setup()\n"
        "from providers import registry\n"
        "assert registry.get('silo.state').key == 'silo.state'\n"
        "assert registry.get('pdf').key == 'pdf'\n"
        "heavy = [m for m in ('requests', 'lxml', 'cryptography') if m in sys.modules]\n"
        "print(sorted({p.key for p in registry._providers.values()}), heavy)\n"
    )
    line = [sys.executable, "-c", script]
    env = {"DJANGO_SETTINGS_MODULE": "invopop_console.settings", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(line, capture_output=True, text=True, env=env, check=True).stdout
    keys, heavy = out.rsplit("] ", 1)
    assert "'silo.state'" in keys and "'pdf'" in keys and "'webhook'" not in keys
    assert heavy.strip() == "[]"


def test_an_unknown_action_is_none_after_every_module_was_read():
    assert registry.get("no.such.action") is None
    assert registry.get("webhook") is not None
