"""URL path converters."""

import uuid

from django.urls import register_converter


class AnyCaseUUID:
    """A UUID in either case, as clients send them (.NET prints GUIDs in upper case); Django's
    own `uuid` converter matches lower case only, so an upper-case id was a 404."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(AnyCaseUUID, "anyuuid")
