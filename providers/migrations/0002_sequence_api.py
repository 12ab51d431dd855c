# The sequence API's fields. public_id is unique, so existing entries get their own ids
# before the constraint (one default for every row would collide): add, fill, then constrain.

import uuid

from django.db import migrations, models


def give_entries_ids(apps, schema_editor):
    SequenceEntry = apps.get_model("providers", "SequenceEntry")
    for entry in SequenceEntry.objects.filter(public_id__isnull=True).only("pk").iterator():
        SequenceEntry.objects.filter(pk=entry.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="series",
            name="code",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="series",
            name="suffix",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="sequenceentry",
            name="meta",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="sequenceentry",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_entries_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sequenceentry",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
