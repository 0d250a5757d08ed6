"""Chat over HTTP: the server-rendered room, history pages, and no-JavaScript forms.

Every write goes through the same actions as the WebSocket consumer.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import params
from community.refusals import shown_in, shown_to
from community.selectors import avoided_names, crisis_card_lines, themes_for, touches
from groups import permissions, selectors
from groups.actions import chat
from groups.forms import MessageForm
from groups.models import Group, Intent, Membership, ReactionKind
from groups.payloads import me_payload, message_payload

LIMITS: dict[str, Any] = settings.HEARTH_CHAT


def room(
    request: HttpRequest,
    group: Group,
    membership: Membership,
    *,
    before: int | None = None,
    form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The group home: the latest messages (or those before `before`), the composer."""
    page = selectors.latest_messages(group, membership, before=before, limit=LIMITS["HISTORY_PAGE"])
    # The room opens where the reader left off: before the first message published
    # since their read marker (the top of the page when more than a page is unread).
    # Someone new has not been here before: they start at the newest message.
    first_unread = None
    if before is None and membership.last_read_seq:
        first_unread = next(
            (m.pk for m in page if m.seq is not None and m.seq > membership.last_read_seq),
            None,
        )
    if before is None:
        chat.mark_read(user=request.user, group=group, seq=group.last_seq)
    mine = selectors.my_reactions(membership, [m.pk for m in page])
    can_post = permissions.can_post(request.user, group, membership)
    reveal = membership.is_facilitator
    can_facilitate = permissions.can_facilitate(request.user, group, membership)
    keeps_room = permissions.keeps_room(request.user, group, membership)
    first_seq = next((m.seq for m in page if m.seq is not None), None)
    # Whose messages fold for this reader; the room's script keeps it live (`boundaries`).
    quiet = selectors.room_boundaries(membership).mine
    themes = themes_for(request.user)
    avoided = avoided_names(themes)
    links = message_links(group)
    return render(
        request,
        "groups/group_home.html",
        {
            "group": group,
            "membership": membership,
            "messages_page": [
                {
                    "m": m,
                    "own": m.author_id == membership.pk,
                    "links": links(m),
                    "reactions": [
                        (key, label, (m.reactions or {}).get(key), key in mine.get(m.pk, ()))
                        for key, label in ReactionKind.choices
                    ],
                    "reveal": reveal and m.is_hidden,
                    "first_unread": m.pk == first_unread,
                    "quiet": quiet.get(m.author_id),
                    # A warning on a theme this reader keeps folded says so.
                    "avoided": touches(m.content_warning, avoided),
                    "resource_folded": m.resource is not None
                    and touches(", ".join(t.name for t in m.resource.themes.all()), avoided),
                }
                for m in page
            ],
            "earlier": first_seq if first_seq and first_seq > 1 else None,
            "before": before,
            "needs_consent": permissions.needs_consent(group, membership),
            "can_post": can_post,
            # The reader's own themes ride along for the room's script (never in a payload
            # built for others): live messages on them say so too.
            "me": {**me_payload(group, membership, can_post=can_post), "avoided": sorted(avoided)},
            "can_facilitate": can_facilitate,
            # The bar of messages waiting for review (groups/_room_alerts.html).
            "held_waiting": selectors.held_for_review(group, membership) if keeps_room else [],
            "form": form or MessageForm(initial={"client_id": uuid.uuid4().hex}),
            "intents": Intent.choices,
            "themes": themes,
            "max_body": LIMITS["MAX_BODY"],
            "help_lines": crisis_card_lines(request.user.region),  # type: ignore[union-attr]
        },
        status=status,
    )


# A stand-in id: each message's addresses are reversed once per page with it and filled
# in per message. Reversing 50 messages' four to six addresses each was 13 % of the
# page's CPU (bench/page.py, 7 December 2026).
_STAND_IN = "2147483647"


def message_links(group: Group) -> Callable[[Any], dict[str, str]]:
    """`links(message)`: the addresses the room's message partial links and posts to."""
    per_message = {
        "react": reverse("groups:react", args=[group.slug, _STAND_IN]),
        "delete": reverse("groups:delete", args=[group.slug, _STAND_IN]),
        "report": reverse("moderation:report_message", args=[_STAND_IN]),
        "worry": reverse("moderation:worry", args=[_STAND_IN]),
        "review": reverse("moderation:message", args=[_STAND_IN]),
    }
    boundary = reverse("groups:boundary", args=[group.slug, _STAND_IN])

    def fill(pattern: str, pk: int) -> str:
        # The id comes last in each address (a slug may hold the same digits).
        head, _, tail = pattern.rpartition(_STAND_IN)
        return f"{head}{pk}{tail}"

    def links(message: Any) -> dict[str, str]:
        found = {name: fill(pattern, message.pk) for name, pattern in per_message.items()}
        found["boundary"] = fill(boundary, message.author_id)
        return found

    return links


@login_required
@require_GET
def history(request: HttpRequest, slug: str) -> JsonResponse:
    """Earlier messages as JSON, keyset-paginated on the sequence number."""
    group, membership = permissions.access_group_for_reader(request.user, slug)
    page = selectors.latest_messages(
        group,
        membership,
        before=params.query_cursor(request, "before") or group.last_seq + 1,
        limit=LIMITS["HISTORY_PAGE"],
    )
    reveal = membership.is_facilitator
    mine = selectors.my_reactions(membership, [m.pk for m in page])
    return JsonResponse(
        {
            "messages": [
                {**message_payload(m, reveal_hidden=reveal), "mine": sorted(mine.get(m.pk, ()))}
                for m in page
            ],
            "has_more": bool(page) and (page[0].seq or 0) > 1,
        }
    )


@login_required
@require_GET
def held(request: HttpRequest, slug: str) -> HttpResponse:
    """The room's bar of messages waiting for review, for static/js/alerts.js to refresh.

    For those who keep the room from inside it, as the room shows the bar: an organizer
    outside the group reads held messages through the queue's items instead.
    """
    group, membership = permissions.access_group_for_room_keeper(request.user, slug)
    return render(
        request,
        "groups/_held_bar.html",
        {"group": group, "held_waiting": selectors.held_for_review(group, membership)},
    )


@login_required
@require_POST
def post_message(request: HttpRequest, slug: str) -> HttpResponse:
    """The no-JavaScript composer: the same action as a socket's message.send."""
    group, membership = permissions.access_group_for_reader(request.user, slug)
    form = MessageForm(request.POST)
    if form.is_valid():
        with shown_in(form):
            chat.send_message(user=request.user, group=group, **form.cleaned_data)
            return redirect(f"{reverse('groups:group', args=[slug])}#composer")
    return room(request, group, membership, form=form, status=400)


@login_required
@require_POST
def react(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, _membership = permissions.access_group_for_reader(request.user, slug)
    with shown_to(request):
        chat.toggle_reaction(
            user=request.user, group=group, message_id=pk, kind=request.POST.get("reaction", "")
        )
    return redirect(f"{reverse('groups:group', args=[slug])}#m-{pk}")


@login_required
@require_POST
def delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, _membership = permissions.access_group_for_reader(request.user, slug)
    with shown_to(request):
        chat.delete_message(user=request.user, group=group, message_id=pk)
        messages.success(request, _("Your message is removed."))
    return redirect(f"{reverse('groups:group', args=[slug])}#m-{pk}")
