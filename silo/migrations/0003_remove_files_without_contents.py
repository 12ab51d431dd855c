"""Rows of replaced files that the earlier attach_file() put back with no contents (its
on-commit FieldFile.delete() saved the deleted row again). They download as nothing and
describe a file that is gone, so they go."""

from django.db import migrations


def remove_files_without_contents(apps, schema_editor):
    apps.get_model("silo", "SiloFile").objects.filter(file="").delete()


class Migration(migrations.Migration):
    dependencies = [("silo", "0002_list_search")]

    operations = [
        migrations.RunPython(remove_files_without_contents, migrations.RunPython.noop),
    ]
