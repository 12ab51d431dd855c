from importlib import import_module

from django.apps import AppConfig
from django.conf import settings


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self):
        for module in [*settings.PROVIDER_MODULES, *settings.SIMULATOR_MODULES]:
            import_module(module)
