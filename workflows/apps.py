from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"

    def ready(self):
        from silo.signals import entry_created

        from .triggers import on_entry_created

        entry_created.connect(on_entry_created, dispatch_uid="entry-created-triggers")
