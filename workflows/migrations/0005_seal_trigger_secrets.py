"""Trigger secrets sealed at rest: each existing secret is sealed into secret_sealed before
the plain column goes."""

from django.db import migrations, models

import workflows.models
from invopop_console.secrets_box import open_sealed, seal


def seal_secrets(apps, schema_editor):
    Trigger = apps.get_model("workflows", "Trigger")
    for trigger in Trigger.objects.only("pk", "secret").iterator():
        Trigger.objects.filter(pk=trigger.pk).update(secret_sealed=seal(trigger.secret))


def open_secrets(apps, schema_editor):
    Trigger = apps.get_model("workflows", "Trigger")
    for trigger in Trigger.objects.only("pk", "secret_sealed").iterator():
        Trigger.objects.filter(pk=trigger.pk).update(secret=open_sealed(trigger.secret_sealed))


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_edit_session"),
    ]

    operations = [
        migrations.AddField(
            model_name="trigger",
            name="secret_sealed",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(seal_secrets, open_secrets),
        migrations.RemoveField(model_name="trigger", name="secret"),
        migrations.AlterField(
            model_name="trigger",
            name="secret_sealed",
            field=models.TextField(
                default=workflows.models.new_sealed_trigger_secret, editable=False
            ),
        ),
    ]
