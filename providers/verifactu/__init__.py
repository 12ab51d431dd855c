"""Spain's VERI*FACTU: invoice records chained by fingerprint and sent to the AEAT.

A Django app of its own (label "verifactu") so that its models and migrations stay apart from
the providers app's. The actions live in providers/verifactu/actions.py, which
settings.PROVIDER_MODULES imports once the models are ready; this package imports nothing.
"""
