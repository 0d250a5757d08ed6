"""The tutorial's room page: its template with the room's name, nothing else."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def room(request: HttpRequest, room_name: str) -> HttpResponse:
    return render(request, "chat/room.html", {"room_name": room_name})
