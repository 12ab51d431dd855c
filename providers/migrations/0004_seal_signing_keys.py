"""Signing keys (silo.close) sealed at rest: each existing private key is sealed into
private_sealed before the plain column goes."""

from django.db import migrations, models

from invopop_console.secrets_box import open_sealed, seal


def seal_keys(apps, schema_editor):
    SigningKey = apps.get_model("providers", "SigningKey")
    for key in SigningKey.objects.only("pk", "private_pem").iterator():
        SigningKey.objects.filter(pk=key.pk).update(private_sealed=seal(key.private_pem))


def open_keys(apps, schema_editor):
    SigningKey = apps.get_model("providers", "SigningKey")
    for key in SigningKey.objects.only("pk", "private_sealed").iterator():
        SigningKey.objects.filter(pk=key.pk).update(private_pem=open_sealed(key.private_sealed))


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_webhooksecret_emailconnection"),
    ]

    operations = [
        migrations.AddField(
            model_name="signingkey",
            name="private_sealed",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(seal_keys, open_keys),
        migrations.RemoveField(model_name="signingkey", name="private_pem"),
    ]
