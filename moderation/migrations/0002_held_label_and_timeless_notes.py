"""Held items are labelled by why they are held; notes about a pause keep no clock time.

Until now a pause on posting was explained as "... post again after 22 November,
21:14 UTC." in the note and in the membership's `mute_reason`: a time in UTC for
everyone, and a note that kept saying so long after the pause lifted. The words
lose their time (pages now show the note's `until` in the reader's own zone), and
older notes about a pause or a suspension learn when it ends, or ended, from the
audit log, so they stop being shown as current once it is over.
"""

import re
from datetime import timedelta

from django.db import migrations, models

TIMED = re.compile(r"You can keep reading, and post again after .*? UTC\.$")
TIMELESS = "You can keep reading, and post again when the pause lifts."
ENDED = {"mute": "Your posting was paused for a while", "suspend": "Your account was paused"}
# What ends a pause on posting, or an account's pause, before its time.
ENDINGS = {"mute": ("unmute", "remove", "ban", "mute"), "suspend": ("unsuspend",)}


def forget_clock_times(apps, schema_editor):
    Notice = apps.get_model("community", "Notice")
    Membership = apps.get_model("groups", "Membership")
    AuditEntry = apps.get_model("groups", "AuditEntry")
    for membership in Membership.objects.filter(mute_reason__endswith=" UTC."):
        membership.mute_reason = TIMED.sub(TIMELESS, membership.mute_reason)
        membership.save(update_fields=["mute_reason"])
    for notice in Notice.objects.filter(kind__in=ENDED, until__isnull=True):
        entries = AuditEntry.objects.filter(
            target_user_id=notice.user_id,
            created_at__range=(
                notice.created_at - timedelta(seconds=5),
                notice.created_at + timedelta(seconds=5),
            ),
            action=notice.kind,
        )
        if notice.kind == "mute":
            slug = notice.link.strip("/").split("/")[-1]
            entries = entries.filter(group__slug=slug)
        entry = entries.order_by("created_at").first()
        if entry is None:
            continue
        until = entry.expires_at
        later = (
            AuditEntry.objects.filter(
                target_user_id=notice.user_id,
                group_id=entry.group_id,
                action__in=ENDINGS[notice.kind],
                created_at__gt=entry.created_at,
            )
            .order_by("created_at")
            .first()
        )
        if later is not None and (until is None or later.created_at < until):
            until = later.created_at
        notice.until = until
        notice.ended_title = ENDED[notice.kind]
        notice.text = TIMED.sub(TIMELESS, notice.text)
        notice.save(update_fields=["until", "ended_title", "text"])


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("community", "0003_time_zone_notice_until_dismissed"),
        ("groups", "0004_message_held_reason"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="kind",
            field=models.CharField(
                choices=[
                    ("report", "Report"),
                    ("crisis", "Crisis words"),
                    ("worry", "A member is worried"),
                    ("filter", "Word filter"),
                    ("held", "A message waiting for review"),
                ],
                default="report",
                max_length=10,
            ),
        ),
        migrations.RunPython(forget_clock_times, migrations.RunPython.noop),
    ]
