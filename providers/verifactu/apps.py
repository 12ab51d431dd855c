from django.apps import AppConfig


class VerifactuAppConfig(AppConfig):
    name = "providers.verifactu"
    label = "verifactu"
    verbose_name = "VERI*FACTU"
