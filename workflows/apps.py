from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"

    def ready(self):
        from providers.signals import document_received
        from silo.signals import entry_created

        from .triggers import on_document_received, on_entry_created

        entry_created.connect(on_entry_created, dispatch_uid="entry-created-triggers")
        document_received.connect(on_document_received, dispatch_uid="document-received-triggers")
