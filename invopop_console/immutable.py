from django.db import models


class ImmutableError(Exception):
    pass


class ImmutableModel(models.Model):
    """A record written once and never changed: published versions, entry versions, events.

    save() on an existing row and delete() raise. (Queryset .update()/.delete() bypass this,
    as everywhere in Django; nothing in the project uses them on these models.)
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Model._state is documented (docs/ref/models/instances) despite its underscore, and
        # the one thing that says a row exists: a UUID pk is set before the first save.
        # tests/test_private_django_api.py.
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} is immutable once saved")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} is immutable and cannot be deleted")
