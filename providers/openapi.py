"""How the OpenAPI document describes the sequence API (Invopop's sequence_v1)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s

SERIES = inline_serializer(
    "SequenceSeries",
    {
        "id": s.UUIDField(),
        "name": s.CharField(),
        "code": s.CharField(),
        "description": s.CharField(),
        "prefix": s.CharField(),
        "suffix": s.CharField(),
        "padding": s.IntegerField(),
        "last_index": s.IntegerField(),
        "last_entry_id": s.UUIDField(allow_null=True),
        "created_at": s.DateTimeField(),
        "updated_at": s.DateTimeField(),
    },
)
SERIES_IN = inline_serializer(
    "SequenceCreateSeries",
    {
        "name": s.CharField(),
        "code": s.CharField(required=False),
        "description": s.CharField(required=False),
        "prefix": s.CharField(required=False),
        "suffix": s.CharField(required=False),
        "padding": s.IntegerField(required=False),
        "start": s.IntegerField(required=False),
    },
)
SERIES_LIST = inline_serializer(
    "SequenceSeriesCollection", {"list": s.ListField(child=s.DictField())}
)
ENTRY = inline_serializer(
    "SequenceEntry",
    {
        "id": s.UUIDField(),
        "series_id": s.UUIDField(),
        "code": s.CharField(),
        "meta": s.DictField(),
        "previous_id": s.UUIDField(allow_null=True),
        "sigs": s.ListField(child=s.CharField()),
        "created_at": s.DateTimeField(),
        "updated_at": s.DateTimeField(),
    },
)
ENTRY_IN = inline_serializer("SequenceCreateEntry", {"meta": s.DictField(required=False)})
ENTRY_LIST = inline_serializer(
    "SequenceEntryCollection",
    {
        "list": s.ListField(child=s.DictField()),
        "limit": s.IntegerField(),
        "cursor": s.CharField(required=False),
        "next_cursor": s.CharField(required=False),
    },
)
