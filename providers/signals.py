"""Signals of providers for the apps above them, which providers never import: workflows
starts the "on document received" triggers (workflows/triggers.py) on document_received."""

from django.dispatch import Signal

# A document arrived through a network (Peppol…) and is now the silo entry `entry`;
# sent with `entry` and `network` ("peppol") once the entry is committed.
document_received = Signal()
