"""Documents received through NemHandel: the access point's inbox, read as Peppol's is
(providers/peppol/inbox.py) into entries keyed `nemhandel:<message id>` that start the "on
document received" workflows, whose gov-dk.import step converts them."""

from ..peppol.inbox import Network

NEMHANDEL = Network("nemhandel", "NemHandel", "NEMHANDEL_URL", "NEMHANDEL_INBOX_INTERVAL")
