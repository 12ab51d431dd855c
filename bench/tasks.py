"""Tasks for the benchmarks (imported by the workers they start)."""

import redis
from django.conf import settings


def noop(counter_key: str) -> None:
    """The ceiling: a task that does nothing but say it ran."""
    redis.from_url(settings.REDIS_URL).incr(counter_key)
