"""Site-wide pages: home, crisis lines, profile settings, health."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community import actions, notices, selectors
from community.forms import ProfileForm
from community.models import Region


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
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,  # type: ignore[union-attr]
                "pronouns": user.pronouns,  # type: ignore[union-attr]
                "bio": user.bio,  # type: ignore[union-attr]
                "region": user.region,  # type: ignore[union-attr]
                "time_zone": user.time_zone,  # type: ignore[union-attr]
            }
        )
    return render(request, "community/profile.html", {"form": form})


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


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def dismiss_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Put one note down; it stays on the notes page."""
    if notices.dismiss(user=request.user, notice_id=pk):
        messages.success(request, "Put down. You can still find it on your notes page.")
    return _back(request, "notes")


@login_required
@require_POST
def dismiss_notes(request: HttpRequest) -> HttpResponse:
    notices.dismiss_all(user=request.user)
    messages.success(request, "All put down. They stay on this page.")
    return redirect("notes")


@login_required
@require_POST
def detected_time_zone(request: HttpRequest) -> HttpResponse:
    """The browser's time zone, sent once by static/js/alerts.js while none is chosen."""
    actions.adopt_time_zone(user=request.user, name=request.POST.get("time_zone", ""))  # type: ignore[arg-type]
    return HttpResponse(status=204)


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


async def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=3)
    return message.get("token") == token


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and the channel layer respond, else 503."""
    checks: dict[str, str] = {}
    for name, probe in (
        ("database", sync_to_async(_database_ok)),
        ("channel_layer", _channel_layer_ok),
    ):
        try:
            checks[name] = "ok" if await probe() else "failed"
        except Exception:
            checks[name] = "failed"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
