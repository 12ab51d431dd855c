"""The parts of the Configuration page that the apps above accounts add (providers: email
connections, credentials, the webhook secret, VERI*FACTU), named in
settings.CONFIGURATION_SECTIONS as PROVIDER_MODULES names the providers: the page is the
workspace's, and accounts never imports the apps that build on it."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Section:
    template: str  # included into the page, with the context below
    context: Callable  # (request) -> dict
    # A POST to the page itself whose "section" field is `key` goes to `post` (request) ->
    # response: a form with a file (VERI*FACTU's certificate) posts where it is shown.
    key: str = ""
    post: Callable | None = None


def sections() -> list[Section]:
    return [import_string(path) for path in settings.CONFIGURATION_SECTIONS]
