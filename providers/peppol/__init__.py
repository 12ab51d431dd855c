"""The Peppol network: the peppol.* actions (actions.py, in PROVIDER_MODULES), its SMP and
AS4 (smp.py, as4.py), the inbox that turns received documents into silo entries (inbox.py),
the participant lookup page (views.py) and the network's simulator (sandbox.py). Nothing is
imported here, so that the web process loads lxml and requests only when a page needs them."""
