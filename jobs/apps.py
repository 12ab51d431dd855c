from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self):
        from django_q.signals import post_spawn

        post_spawn.connect(start_dispatcher, dispatch_uid="jobs-dispatcher")


def start_dispatcher(**kwargs):
    """post_spawn receiver: a worker process starts its dispatcher thread. The engine is
    imported here, in the worker, not when the app loads: django-q2's sentinel, pusher and
    monitor would each hold it and the calculator it imports (15 MB; BENCHMARKS.md,
    footprint)."""
    from . import dispatcher

    dispatcher.start(**kwargs)
