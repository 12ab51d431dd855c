"""Denmark's NemHandel network: the gov-dk.* actions (actions.py, in PROVIDER_MODULES), its
inbox (inbox.py) and its simulator (sandbox.py). NemHandel's eDelivery is the Peppol stack
(SMP, AS4, SBDH) under the Danish Business Authority's own SMP and access points, so this
family drives providers/peppol's SMP client, AS4 messages and inbox against the NemHandel
access point provider at NEMHANDEL_URL, and the simulator is the Peppol one with Danish
participants."""
