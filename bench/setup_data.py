"""Create the benchmark's people and groups in the benchmark database, through the real actions.

    DATABASE_URL=postgres://.../hearth_bench REDIS_URL=... CACHE_PREFIX=hearth-bench \\
        python bench/setup_data.py --groups 100 --size 10 --out sessions.json

An organizer opens `--groups` groups (`groups.actions.groups.create_group`); in
each, `--size` verified people join and consent (`join_group`). Each person gets
a signed-in session, stored where the servers read sessions (the shared cache
under REDIS_URL). The output file lists, per group, its slug and each member's
session cookie; load generators read it. With `--history N`, the first group's
members post N messages in turn (`groups.actions.chat.send_message`): the room
page the benchmark's HTTP step opens has that much history.

It refuses any database whose name does not contain "bench": it never touches a
developer's data.
"""

import argparse
import json
import os
import sys
import time
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--history", type=int, default=0, help="messages in the first group")
    args = parser.parse_args()

    import django

    django.setup()

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection, transaction

    from community.models import User
    from groups.actions import chat
    from groups.actions import groups as group_actions
    from groups.actions import membership as member_actions

    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        sys.exit(f"bench/setup_data.py: refusing database {name!r} (its name must contain 'bench')")
    if User.objects.exists():
        sys.exit(f"bench/setup_data.py: database {name!r} is not empty; the runner recreates it")

    engine = import_module(settings.SESSION_ENGINE)
    started = time.monotonic()
    organizer = User.objects.create_user(
        email="organizer@bench.invalid", display_name="Bench organizer", is_organizer=True
    )
    EmailAddress.objects.create(user=organizer, email=organizer.email, verified=True, primary=True)
    out = []
    for g in range(args.groups):
        with transaction.atomic():
            group = group_actions.create_group(
                actor=organizer, name=f"Bench circle {g + 1}", capacity=max(12, args.size)
            )
            members = []
            for m in range(args.size):
                # Unusable passwords: the benchmark signs in through sessions, not the form.
                user = User.objects.create_user(
                    email=f"g{g}m{m}@bench.invalid", display_name=f"Bench {g}-{m}"
                )
                EmailAddress.objects.create(
                    user=user, email=user.email, verified=True, primary=True
                )
                membership = member_actions.join_group(
                    user=user, group=group, agreement_version=group.agreement_version
                )
                session = engine.SessionStore()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.save()
                members.append(
                    {
                        "member": membership.pk,
                        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                    }
                )
            out.append({"slug": group.slug, "members": members})
        if g == 0 and args.history:  # after the commit: a send is a transaction of its own
            post_history(chat, group, args.history)
    args.out.write_text(json.dumps({"groups": out}))
    print(
        f"created {args.groups} groups of {args.size} in {name} "
        f"({time.monotonic() - started:.1f} s); sessions in {args.out}"
    )


def post_history(chat: Any, group: Any, count: int) -> None:
    """Members take turns, so each stays far below the per-member rate limit."""
    from groups.models import Membership

    users = [m.user for m in Membership.objects.filter(group=group).select_related("user")]
    users = [u for u in users if not u.is_organizer] or users
    for k in range(count):
        chat.send_message(
            user=users[k % len(users)],
            group=group,
            client_id=f"bench-history-{k}",
            body=f"Bench history message {k + 1}: how the week went, and what helped.",
        )


if __name__ == "__main__":
    main()
