"""Site-wide pages: home, crisis lines, profile settings, health."""

import asyncio
import contextlib
import uuid
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from allauth.account.decorators import reauthentication_required
from channels.layers import get_channel_layer
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community import actions, erasure, exports, notices, personal_data, selectors
from community.errors import Refused
from community.forms import AvoidedThemesForm, ProfileForm
from community.models import Region
from community.permissions import can_delete_account
from community.redirects import back
from community.refusals import shown_to


def crisis(request: HttpRequest) -> HttpResponse:
    """List crisis lines, the person's own region first."""
    region = request.GET.get("region") or (
        request.user.region if request.user.is_authenticated else ""
    )
    if region not in Region.values:
        region = ""
    return render(
        request,
        "community/crisis.html",
        {
            "region": region,
            "regions": Region.choices,
            "lines": selectors.crisis_lines_for(region),
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            actions.update_profile(user=user, **form.cleaned_data)  # type: ignore[arg-type]
            # Said in the language just chosen: the next page speaks it already.
            chosen = user.language or translation.get_language_from_request(request)  # type: ignore[union-attr]
            with translation.override(chosen):
                messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,  # type: ignore[union-attr]
                "pronouns": user.pronouns,  # type: ignore[union-attr]
                "bio": user.bio,  # type: ignore[union-attr]
                "region": user.region,  # type: ignore[union-attr]
                "time_zone": user.time_zone,  # type: ignore[union-attr]
                "email_reminders": user.email_reminders,  # type: ignore[union-attr]
                "language": user.language,  # type: ignore[union-attr]
            }
        )
    return render(request, "community/profile.html", {"form": form})


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """Settings: ask for a copy of one's own data, and download the ones that are ready."""
    if request.method == "POST":
        try:  # not `shown_to`: a refusal here (one is on its way) is news, not an error
            exports.request_export(user=request.user)  # type: ignore[arg-type]
        except Refused as refusal:
            messages.info(request, refusal.message)
        else:
            messages.success(
                request,
                _("We're preparing your download. You'll find a note here when it's ready."),
            )
        return redirect("data_export")
    return render(
        request, "community/data_export.html", {"exports": selectors.my_exports(request.user)}
    )


@login_required
@reauthentication_required
def download_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The ZIP itself, for its own person only, after signing in again recently."""
    export = exports.ready_export_for(request.user, pk)
    if export is None:
        raise Http404
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="hearth-my-data.zip"'
    return response


@login_required
@reauthentication_required(allow_get=True)
def delete_account(request: HttpRequest) -> HttpResponse:
    """Settings: what deleting the account does, and the button (after signing in again)."""
    user = request.user
    if request.method == "POST":
        with shown_to(request):
            asked = erasure.request_deletion(user=user)  # type: ignore[arg-type]
            logout(request)  # this session's own sign-out, so its sockets hear it at once
            return render(
                request, "community/deletion_requested.html", {"erase_after": asked.erase_after}
            )
        return redirect("delete_account")
    return render(
        request,
        "community/delete_account.html",
        {
            "allowed": can_delete_account(user),
            "warnings": personal_data.warnings(user),
            "grace_days": erasure.GRACE.days,
        },
    )


@login_required
def avoided_themes(request: HttpRequest) -> HttpResponse:
    """A person's own filter: themes whose content warnings stay folded in their view."""
    user = request.user
    if request.method == "POST":
        form = AvoidedThemesForm(request.POST)
        if form.is_valid():
            ids = [theme.pk for theme in form.cleaned_data["themes"]]
            actions.set_avoided_themes(user=user, theme_ids=ids)  # type: ignore[arg-type]
            messages.success(request, _("Your themes are saved."))
            return redirect("avoided_themes")
    else:
        chosen = [theme for theme in selectors.themes_for(user) if theme.avoided]  # type: ignore[attr-defined]
        form = AvoidedThemesForm(initial={"themes": chosen})
    return render(request, "community/avoided_themes.html", {"form": form})


@login_required
def notes(request: HttpRequest) -> HttpResponse:
    """Every note the person was left: those still open, then the earlier ones."""
    found = selectors.all_notices(request.user)
    return render(
        request,
        "community/notes.html",
        {
            "open_notes": [n for n in found if n.is_unread],
            "earlier_notes": [n for n in found if not n.is_unread],
        },
    )


@login_required
@require_POST
def dismiss_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Put one note down; it stays on the notes page."""
    if notices.dismiss(user=request.user, notice_id=pk):
        messages.success(request, _("Put down. You can still find it on your notes page."))
    return back(request, "notes")


@login_required
@require_POST
def dismiss_notes(request: HttpRequest) -> HttpResponse:
    notices.dismiss_all(user=request.user)
    messages.success(request, _("All put down. They stay on this page."))
    return redirect("notes")


@login_required
@require_POST
def detected_time_zone(request: HttpRequest) -> HttpResponse:
    """The browser's time zone, sent once by static/js/alerts.js while none is chosen."""
    actions.adopt_time_zone(user=request.user, name=request.POST.get("time_zone", ""))  # type: ignore[arg-type]
    return HttpResponse(status=204)


# Each dependency gets this long to answer /healthz; both are asked at once, so the
# whole answer comes within about a second (a load balancer's probe should not hang).
PROBE_BUDGET = 0.8
# The database is asked from a thread of its own: a PostgreSQL that does not answer
# holds that thread, and later probes report it failed at once instead of piling up.
_probe_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
_database_probe: Future[bool] | None = None
# One layer probe per event loop in flight at a time, for the same reason.
_layer_probes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[bool]]" = (
    weakref.WeakKeyDictionary()
)


def _database_ok() -> bool:
    pool = getattr(connection, "pool", None)  # PostgreSQL's psycopg pool, if configured
    if pool is not None:
        pool.open()
        # The pool's own check on checkout, then one statement, within the budget.
        with pool.connection(timeout=PROBE_BUDGET) as pg:
            return pg.execute("SELECT 1").fetchone() == (1,)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        connection.close()


async def _database_answers() -> bool:
    global _database_probe
    if _database_probe is None or _database_probe.done():
        _database_probe = _probe_thread.submit(_database_ok)
    # else the previous probe is still waiting: its answer counts for this one too.
    return await asyncio.wait_for(asyncio.wrap_future(_database_probe), PROBE_BUDGET)


async def _layer_round_trip() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel("healthz.")
    try:
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await layer.receive(channel)
        return message.get("token") == token
    finally:
        # channels-redis's pub/sub layer unsubscribes a channel only when a receive on
        # it is cancelled or times out; without this every probe left a subscription
        # (and its queue) behind.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.001)


async def _channel_layer_answers() -> bool:
    loop = asyncio.get_running_loop()
    probe = _layer_probes.get(loop)
    if probe is None or probe.done():
        probe = _layer_probes[loop] = loop.create_task(_layer_round_trip())
        probe.add_done_callback(_quietly)
    # Shielded: a probe that outlives its budget finishes (and cleans up) on its own.
    return await asyncio.wait_for(asyncio.shield(probe), PROBE_BUDGET)


def _quietly(task: "asyncio.Task[bool]") -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a failed probe is reported as such, not logged


async def _verdict(probe: Any) -> str:
    try:
        return "ok" if await probe() else "failed"
    except Exception:  # unreachable, refused, or no answer within the budget
        return "failed"


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and the channel layer respond, else 503."""
    database, channel_layer = await asyncio.gather(
        _verdict(_database_answers), _verdict(_channel_layer_answers)
    )
    checks = {"database": database, "channel_layer": channel_layer}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
