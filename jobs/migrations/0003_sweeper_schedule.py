"""Puts the job sweeper on the cluster's schedule: once a minute, whatever the dispatcher
threads do, due and abandoned jobs are sent back to the queue (see jobs/dispatcher.py)."""

from django.db import migrations

SWEEPER = "Job sweeper"


def add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SWEEPER,
        defaults={"func": "jobs.dispatcher.dispatch_due", "schedule_type": "I", "minutes": 1,
                  "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SWEEPER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_engine"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add, remove)]
