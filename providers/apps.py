from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    """The provider modules are imported on the registry's first use (providers/registry.py),
    not here."""

    name = "providers"
