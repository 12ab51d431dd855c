"""Configuration problems as system checks with stable ids, instead of tracebacks.

console.E001  SECRET_KEY missing while DEBUG is off
console.E002  DATABASE_URL cannot be parsed
console.E003  REDIS_URL has an unknown scheme
console.E004  EMAIL_URL cannot be parsed
console.E005  a boolean or integer setting cannot be parsed
console.W001  ALLOWED_HOSTS allows any host while DEBUG is off
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=False)
def configuration(app_configs, **kwargs):
    problems = [
        Error(message, id=check_id, hint="See the README, section Configuration.")
        for check_id, message in getattr(settings, "CONFIG_PROBLEMS", [])
    ]
    if not settings.DEBUG and "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Warning(
                "ALLOWED_HOSTS contains '*' while DEBUG is off.",
                hint="List the host names the console is served on.",
                id="console.W001",
            )
        )
    return problems
