from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self):
        from django_q.signals import post_spawn

        from . import dispatcher

        post_spawn.connect(dispatcher.start, dispatch_uid="jobs-dispatcher")
