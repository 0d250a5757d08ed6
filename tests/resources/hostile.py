"""Hostile resource text: the classic XSS families in every field a resource has."""

from typing import Any

TITLE = "<script>alert('title')</script><img src=x onerror=alert(1)>\"'></h1></article>"
SUMMARY = '"><svg onload=alert(\'summary\')></p><a href="javascript:alert(2)">tap</a>'
TAGS = ["<img src=x onerror=alert(3)>", '"onmouseover="alert(4)', "</span><script>x</script>"]
# Accepted (it is https), with everything that could close the href attribute.
LINK = "https://ok.example/p?a=\"><script>alert(5)</script>&b='onmouseover=alert(6)'"

# Markdown link destinations that must never become a live link to code.
BODY_VECTORS = [
    "[plain](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    "[leading space]( javascript:alert(1))",
    "[leading tab](\tjavascript:alert(1))",
    "[entity](&#106;avascript:alert(1))",
    "[hex entity](&#x6A;&#x61;vascript&#x3A;alert(1))",
    "[named colon](javascript&colon;alert(1))",
    "[entity tab](java&#x09;script:alert(1))",
    "[entity newline](java&#10;script:alert(1))",
    "[zero width](java\u200bscript:alert(1))",
    "[zero width first](\u200bjavascript:alert(1))",
    "[control](\x01javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vbscript](vbscript:msgbox(1))",
    "[nested](javascript://https://ok.example/%0aalert(1))",
    "![picture](data:image/png;base64,iVBORw0KGgo=)",
    "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![code picture](javascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(1)">raw html</a>',
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '[title quote](https://ok.example/t "a\\" onmouseover=\\"alert(1)")',
    "[protocol relative](//evil.example/x)",
    "[no slashes](https:evil.example)",
    "a bare javascript:alert(1) and data:text/html,<b>x</b> in the text",
    "`<script>in code</script>` and\n\n    <script>indented code</script>",
]
BODY = (
    "\n\n".join(BODY_VECTORS)
    + "\n\nA [kind link](https://kind.example/) and https://bare.org/ too."
)

PLAIN: dict[str, Any] = {
    "title": "A plain title",
    "summary": "A plain summary.",
    "body": "A [kind link](https://kind.example/) and https://bare.org/ too.",
    "tags": ["Calm", "Sleep", "Rest"],
    "link": "https://ok.example/p",
}
HOSTILE: dict[str, Any] = {
    "title": TITLE,
    "summary": SUMMARY,
    "body": BODY,
    "tags": TAGS,
    "link": LINK,
}


def hostile_card(pk: int, slug: str) -> dict[str, Any]:
    """The card a chat message carries for the hostile resource `pk` of the group `slug`:
    its title with the white space folded, the summary as written, only the link's domain."""
    return {
        "id": pk,
        "title": " ".join(TITLE.split()),
        "summary": SUMMARY,
        "domain": "ok.example",
        "url": f"/groups/{slug}/resources/{pk}/",
        "themes": [],
    }
