from django.dispatch import Signal

# Sent once the transaction that created a silo entry commits; argument: entry.
entry_created = Signal()
