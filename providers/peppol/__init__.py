"""The Peppol network: peppol.* actions (actions.py), its SMP and AS4 (smp.py, as4.py), the
inbox that turns received documents into silo entries (inbox.py) and its simulator
(sandbox.py)."""

from . import actions  # noqa: F401  (registers the actions)
