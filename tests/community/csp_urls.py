"""A page with an inline script, to prove how the site's CSP treats scripts (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block scripts %}'
    '<script nonce="{{ csp_nonce }}">document.body.dataset.ready = "yes";</script>'
    "{% endblock %}"
)


def scripted(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_PAGE.render({}, request))


urlpatterns = [
    path("scripted/", scripted),
    path("", include("community.urls")),
]
