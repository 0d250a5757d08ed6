"""A refusal inside `shown_in`/`shown_to` reaches the person, and the view carries on."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from community.errors import Refused
from community.refusals import shown_in, shown_to


class _Form(forms.Form):
    name = forms.CharField(required=False)


def test_a_refusal_becomes_the_forms_error_and_the_rest_of_the_block_is_skipped():
    form = _Form({"name": "x"})
    assert form.is_valid()
    reached = []
    with shown_in(form, "name"):
        raise Refused("nope", "That name is taken.")
        reached.append(True)
    assert form.errors == {"name": ["That name is taken."]}
    assert reached == []


def test_a_refusal_becomes_an_error_message_for_the_next_page():
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    with shown_to(request):
        raise Refused("nope", "That link no longer works.")
    assert [str(m) for m in get_messages(request)] == ["That link no longer works."]


def test_anything_but_a_refusal_goes_on_up():
    form = _Form({})
    with pytest.raises(ValueError), shown_in(form):
        raise ValueError("a bug is not a refusal")
