"""The NemHandel network simulator (`python manage.py simulator nemhandel`): the Peppol
network simulator (providers/peppol/sandbox.py: SMP, AS4 access point, the provider's API
with its approvals and inbox, and its /sandbox/ controls) with Danish participants. The
approval stands for the authorisation agreement the supplier's representative signs
(NemLog-in/MitID at the real access point provider), decided in its form or by
`POST /sandbox/approvals/{id}`."""

from providers import simulators

from ..peppol import identifiers as ids
from ..peppol import sandbox

PORT = 8794
UBL_GROUP = [s.identifier for s in ids.DOC_GROUPS["ubl-invoice"]]
# NemHandel's participants at start: the guide's sample business customer (DK:CVR, 0184)
# and a public institution by its EAN/GLN (0088).
NETWORK = {
    "0184:12345674": UBL_GROUP,
    "0088:5798009882806": UBL_GROUP,
}


def make_server(port: int, host: str = "127.0.0.1", approve_after: float | None = None):
    """The simulator, bound (port 0: any free one), not yet serving."""
    return sandbox.make_server(port, host, approve_after=approve_after, participants=NETWORK)


def serve(port: int) -> None:
    # The agreement is signed after a few seconds, so that the register workflow is seen
    # waiting (QUEUED) before it goes on.
    server = make_server(port, approve_after=5)
    try:
        server.serve_forever()
    finally:
        server.server_close()


simulators.register(
    simulators.Simulator(
        key="nemhandel",
        name="NemHandel network simulator",
        port=PORT,
        endpoint=lambda port: f"http://127.0.0.1:{port}",
        health=lambda port: f"http://127.0.0.1:{port}/",
        setting="NEMHANDEL_URL",
        serve=serve,
    )
)
