"""Email leaves through a `django.tasks` task, so a slow mail server never holds a request.

Embedded and in tests the immediate backend sends at once; in production
(`TASKS_DB=1`) the message waits in the database for the worker (`db_worker`).
Only what the message needs crosses the queue: plain strings, never a request.
"""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def deliver(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html: str = "",
    subtype: str = "plain",
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers)
    message.content_subtype = subtype  # "html" when allauth found only an HTML template
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
