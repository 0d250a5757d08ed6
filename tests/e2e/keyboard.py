"""Moving through pages with the keyboard alone, checking that focus can be seen.

`tab_to(page, target)` presses Tab (or Shift+Tab) until `target` has focus and,
after every press, checks that whatever has focus can be seen: it has an outline
or a box shadow, lies inside the viewport, and is not covered by anything else
(a sticky bar, say). Nothing here clicks or fills; text is typed into the
element that has focus.
"""

from typing import Any

from playwright.sync_api import Locator, Page

# What a sighted keyboard user needs: a focus indicator, on screen, not hidden under
# something else. Elements focused by a script to mark a place (tabindex="-1", such
# as <main> after the skip link) are exempt from the indicator, not from the rest.
FOCUS_STATE = """async () => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {ok: false, what: "nothing", why: "focus is on the page itself"};
  }
  const what = (el.tagName.toLowerCase() + " " +
    (el.getAttribute("aria-label") || el.innerText || el.value || el.name || el.id || "")
  ).trim().slice(0, 60);
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== "none";
  if (!outline && !shadow && el.getAttribute("tabindex") !== "-1") {
    return {ok: false, what, why: "no focus indicator"};
  }
  const where = () => {
    const box = el.getBoundingClientRect();
    if (box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth) {
      return "outside the viewport";
    }
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + Math.min(box.height, 40) / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    const label = el.labels && Array.from(el.labels).some(l => l.contains(hit));
    if (hit && (el.contains(hit) || hit.contains(el) || label)) return "";
    return "covered by " + (hit ? hit.tagName.toLowerCase() + "." + hit.className : "nothing");
  };
  // Smooth scrolling may still be bringing it into view: allow it about a second.
  let why = where();
  for (let frame = 0; why && frame < 60; frame++) {
    await new Promise(requestAnimationFrame);
    why = where();
  }
  return {ok: !why, what, why};
}"""


def focus_state(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(FOCUS_STATE))


def assert_focus_visible(page: Page) -> str:
    """Fail unless the focused element can be seen; return a short description of it."""
    state = focus_state(page)
    assert state["ok"], f"focus on {state['what']!r} cannot be seen: {state['why']}"
    return str(state["what"])


def has_focus(target: Locator) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 60) -> int:
    """Press Tab (Shift+Tab if `backwards`) until `target` has focus; return the presses."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        seen.append(assert_focus_visible(page))
        if has_focus(target):
            return presses
    raise AssertionError(f"{limit} presses of {key} never reached {target}; went through {seen}")


def type_here(page: Page, text: str) -> None:
    """Type into whatever has focus, as a person would."""
    page.keyboard.type(text)
