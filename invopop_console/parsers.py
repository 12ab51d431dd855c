"""The body types the API reads besides application/json (kept apart from api.py: DRF
imports these while it loads its settings)."""

from rest_framework import parsers


class MergePatchParser(parsers.JSONParser):
    media_type = "application/merge-patch+json"


class JsonPatchParser(parsers.JSONParser):
    media_type = "application/json-patch+json"
