from django.apps import AppConfig


class SiloConfig(AppConfig):
    name = "silo"
