"""The body types the API reads (kept apart from api.py: DRF imports these while it loads its
settings). Every JSON body goes through invopop_console.json_input: text that is not JSON is
a 400, JSON holding what cannot be kept a 422 naming where."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from . import json_input


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        from .api import invalid  # api.py imports DRF's views, which load DRF's settings

        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_input.parse(stream.read().decode(encoding))
        except (json_input.NotJson, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except json_input.BadJson as exc:
            raise invalid(exc.problems) from None


class MergePatchParser(JSONParser):
    media_type = "application/merge-patch+json"


class JsonPatchParser(JSONParser):
    media_type = "application/json-patch+json"
