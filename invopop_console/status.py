"""The statuses of a step, named once for every layer: providers answer them, the engine
records them in an intent's events, the silo's activity tab and the console show them."""

from django.db.models import TextChoices


class Status(TextChoices):
    """The one list of a step's statuses: what a provider answers (OK, SKIP, ERR, QUEUED, KO,
    TIMEOUT) and, in an intent's events, also RUN (a try starts) and POKE (a reply came).
    Strings, so that "OK" and Status.OK are equal."""

    RUN = "RUN"
    OK = "OK"
    ERR = "ERR"
    QUEUED = "QUEUED"
    SKIP = "SKIP"
    KO = "KO"
    TIMEOUT = "TIMEOUT"
    POKE = "POKE"
