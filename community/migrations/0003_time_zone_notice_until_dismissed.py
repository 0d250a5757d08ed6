"""Each person's time zone; notes that can go stale (`until`) and be put down.

A note was marked read when home showed it; from now on a person puts it down
themselves. Notes already shown count as put down (the column is renamed, not
emptied), so nobody's home fills up again with notes they have seen.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="time_zone",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RenameField(model_name="notice", old_name="read_at", new_name="dismissed_at"),
        migrations.AddField(
            model_name="notice",
            name="until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notice",
            name="ended_title",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["user", "dismissed_at"], name="notice_unread_idx"),
        ),
    ]
