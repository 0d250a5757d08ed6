"""`make screenshots`: a gallery of Hearth's key pages, for people to look at.

    .venv/bin/python -m tests.e2e.screenshots [--out screenshots]

On a fresh clone this creates a throwaway SQLite database (SQLITE_PATH points at
a temporary file; DATABASE_URL and REDIS_URL are ignored, so a developer's data
is never touched), migrates it, loads the demo community with `seed_demo`,
serves it with uvicorn on a free port, signs in as the demo person each page is
for, and writes PNGs of every page in three sizes (then a member writes crisis
words in a room, and the facilitator's view of the alert is taken too):

    <page>-light.png    1280 x 800, light colour scheme
    <page>-dark.png     1280 x 800, dark colour scheme
    <page>-mobile.png   375 x 812 (a phone), the reader's own colour scheme: light

and the room on a phone just after a crisis phrase (group-chat-crisis-mobile.png).

into screenshots/ (ignored by git). Chromium comes from Debian's packages
(HEARTH_CHROMIUM, /usr/bin/chromium by default).
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "warm-hearth-demo"
GRIEF = "Carrying Grief"


@dataclass(frozen=True)
class Shot:
    """One page of the gallery: who looks at it, where, and what to wait for."""

    name: str
    person: str | None  # a demo email, or None for a visitor
    path: str
    link: str = ""  # then follow the main content's link of this name (group URLs are random)
    ready: str = "main"  # a selector that shows the page is complete
    # The room is read at its newest messages, with the composer in view: show the screen
    # as a person sees it there, rather than the whole page.
    at_end: bool = False
    act: Callable[[Any], None] | None = None  # then do this on the page (send a message)
    sizes: tuple[str, ...] = ()  # only these sizes (all when empty)


def send_crisis_phrase(page: Any) -> None:
    """Write what someone might on a very hard night; wait for the card that answers."""
    box = page.get_by_label("Your message")
    box.fill("I don't know anymore. Some nights I just want to end it all.")
    box.press("Enter")
    page.locator(".crisis-card").wait_for()
    page.wait_for_timeout(300)


SHOTS = [
    Shot("directory", None, "/groups/", ready=".group-card"),
    Shot("crisis", None, "/crisis/", ready=".crisis-lines"),
    Shot("home", "mara@hearth.example", "/", ready=".group-card"),
    Shot(
        "group-chat",
        "mara@hearth.example",
        "/",
        link=GRIEF,
        ready="#connection >> text=Connected",
        at_end=True,
    ),
    # The room on a phone, the moment after a crisis phrase: the card under the message.
    Shot(
        "group-chat-crisis",
        "mara@hearth.example",
        "/",
        link=GRIEF,
        ready="#connection >> text=Connected",
        at_end=True,
        act=send_crisis_phrase,
        sizes=("mobile",),
    ),
    Shot("resource", "mara@hearth.example", "/resources/", link="How to listen without fixing"),
    Shot("agreement-consent", "priya@hearth.example", "/groups/", GRIEF, "#join-heading"),
    Shot("moderation-queue", "farah@hearth.example", "/moderation/", ready=".queue"),
]
# Taken once a member has written words that may mean they are in crisis (crisis_words()).
AFTER_CRISIS = [
    # The facilitator's room: "Safety queue · 1 urgent" in the navigation, and the banner.
    Shot("facilitator-urgent", "farah@hearth.example", "/", link=GRIEF, ready="#urgent-banner"),
]
CRISIS_AUTHOR = "jun@hearth.example"
CRISIS_WORDS = "Some days it feels like everyone would be better off without me."

SIZES: dict[str, dict[str, Any]] = {
    "light": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"},
    "mobile": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "light",
    },
}


def site_environment(database: Path) -> dict[str, str]:
    """The environment of the throwaway site: embedded services, a private database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(database),
        DJANGO_SETTINGS_MODULE="community.settings",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the demo site did not answer at {url} within {timeout} s")


@contextmanager
def demo_site() -> Iterator[str]:
    """Serve a freshly seeded demo site from a temporary database; yield its URL."""
    with tempfile.TemporaryDirectory(prefix="hearth-screens-") as tmp:
        env = site_environment(Path(tmp) / "demo.sqlite3")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        # Bind the port here and hand the socket to uvicorn: no race for a free port.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "community.asgi:application",
            "--fd",
            str(listener.fileno()),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(listener.fileno(),))
        listener.close()
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sign_in(page: Any, email: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/")


def crisis_words(browser: Any, url: str) -> None:
    """A member writes, in the grief group's room, words that may mean they are in crisis."""
    context = browser.new_context(base_url=url)
    page = context.new_page()
    sign_in(page, CRISIS_AUTHOR)
    page.get_by_role("main").get_by_role("link", name=GRIEF).first.click()
    page.locator("#connection >> text=Connected").wait_for()
    page.get_by_label("Your message").fill(CRISIS_WORDS)
    page.get_by_label("Your message").press("Enter")
    page.locator("#messages .msg-pending").first.wait_for(state="detached")
    context.close()


def take(browser: Any, url: str, out: Path) -> list[Path]:
    """Write every page in every size; return the files written."""
    written = shoot(browser, url, out, SHOTS)
    crisis_words(browser, url)
    return written + shoot(browser, url, out, AFTER_CRISIS)


def shoot(browser: Any, url: str, out: Path, shots: list[Shot]) -> list[Path]:
    written: list[Path] = []
    people = sorted({shot.person or "" for shot in shots})
    for size, options in SIZES.items():
        for person in people:
            context = browser.new_context(base_url=url, reduced_motion="reduce", **options)
            page = context.new_page()
            if person:
                sign_in(page, person)
            for shot in (s for s in shots if (s.person or "") == person):
                if shot.sizes and size not in shot.sizes:
                    continue
                page.goto(shot.path)
                if shot.link:
                    page.get_by_role("main").get_by_role("link", name=shot.link).first.click()
                page.locator(shot.ready).first.wait_for()
                path = out / f"{shot.name}-{size}.png"
                if shot.act:
                    shot.act(page)
                # The room opens at its newest messages and fills the screen (on a phone
                # the page scrolls to it): the screen is what a person sees there.
                full = not shot.at_end
                page.screenshot(path=str(path), full_page=full, animations="disabled")
                written.append(path)
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args(argv)
    chromium = os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(f"Chromium is needed at {chromium} (apt-get install chromium).", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from tests.services import CHROMIUM_ARGS

    args.out.mkdir(parents=True, exist_ok=True)
    with demo_site() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            written = take(browser, url, args.out)
        finally:
            browser.close()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
