from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "invopop_console.accounts"
    label = "accounts"
    verbose_name = "Workspaces and access"
