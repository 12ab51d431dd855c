"""Finland's e-invoicing operator network: the gov-fi.* actions (actions.py, in
PROVIDER_MODULES), Finvoice 3.0 both ways and its checks (document.py) and the operator's
simulator (sandbox.py)."""
