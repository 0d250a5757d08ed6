"""The one text pipeline: limited Markdown and plain chat, and the classic XSS families.

Outputs are parsed like a browser would (tests/html.py) so that each test asks
"can anything here run or load?" rather than comparing exact strings, except
where the exact rendering is the behaviour a person sees.
"""

import pytest

from community.text import LINK_REL, clean_html, render_chat, render_markdown
from tests.html import executable_constructs, find, parse, text_of, url_scheme

SAFE_SCHEMES = {"", "http", "https", "mailto"}

# --- What people can write ------------------------------------------------------


def test_markdown_renders_the_limited_set_people_use():
    html = render_markdown(
        "Some *gentle* and **strong** words with `code`.\n\n"
        "> a quote\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "```\nkeep <this> as is\n```\n\n"
        "---"
    )
    assert html == (
        "<p>Some <em>gentle</em> and <strong>strong</strong> words with <code>code</code>.</p>\n"
        "<blockquote>\n<p>a quote</p>\n</blockquote>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<pre><code>keep &lt;this&gt; as is\n</code></pre>\n"
        "<hr>"
    )


def test_markdown_link_keeps_its_title_and_gets_the_safe_rel():
    html = render_markdown("[a kind place](https://example.org/help 'Help')")
    assert html == (
        '<p><a href="https://example.org/help" title="Help" rel="nofollow noopener ugc">'
        "a kind place</a></p>"
    )


def test_headings_are_not_part_of_the_limited_set():
    html = render_markdown("# Big\n\nSetext\n===")
    assert not find(html, "h1")
    assert "Big" in text_of(html)


def test_raw_html_in_markdown_is_shown_as_text_not_interpreted():
    html = render_markdown("I wrote <b>this</b> & <script>that</script>")
    assert html == (
        "<p>I wrote &lt;b&gt;this&lt;/b&gt; &amp; &lt;script&gt;that&lt;/script&gt;</p>"
    )


def test_chat_is_escaped_with_line_breaks_kept():
    assert render_chat("a 'b' \"c\" & <d>\r\nnext line") == (
        "a &#x27;b&#x27; &quot;c&quot; &amp; &lt;d&gt;<br>\nnext line"
    )


def test_chat_shows_entities_literally():
    # Someone typing "&lt;" sees "&lt;", not "<".
    assert text_of(render_chat("&lt; &amp;")) == "&lt; &amp;"


def test_chat_makes_links_clickable_with_the_safe_rel():
    html = render_chat("see https://example.org/a?b=1&c=2 and www.example.com")
    links = find(html, "a")
    assert [link.attrs["href"] for link in links] == [
        "https://example.org/a?b=1&c=2",
        "http://www.example.com",
    ]
    assert all(link.attrs["rel"] == LINK_REL for link in links)


OTHER_SCHEMES = [
    "javascript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "data:example.com",
    "data://example.com/x",
    "ftp://example.org",
    "irc://example.org",
    "ssh://example.org",
    "webcal://example.org",
    "feed:example.org",
    "urn:example.org",
]


@pytest.mark.parametrize("text", OTHER_SCHEMES)
def test_only_web_and_mail_addresses_become_links(text):
    # Linkifying must honour the same allow-list (http, https, mailto) as links people write.
    for html in (render_chat(f"see {text}"), render_markdown(f"see {text}")):
        for link in find(html, "a"):
            assert url_scheme(link.attrs["href"]) in {"http", "https"}, html


# --- XSS families ------------------------------------------------------------------

SCRIPT_AND_HANDLERS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<p>a</p><scr<script>ipt>alert(1)</script>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<!--<script>alert(1)//--><p>ok</p>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
]
SVG_AND_MATHML = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
]
RAW_TEXT_ELEMENTS = [
    "<style>@import 'https://evil.example/x.css';</style>",
    "<textarea><script>alert(1)</script></textarea>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<title><script>alert(1)</script></title>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='&lt;script&gt;alert(1)&lt;/script&gt;'></iframe>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<template><script>alert(1)</script></template>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
]
# The same javascript:/data:/vbscript: link spelled every way a browser accepts.
DANGEROUS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&#x3A;alert(1)",
    "&#0000106&#0000097vascript:alert(1)",
    "java&#x09;script:alert(1)",
    "java&Tab;script:alert(1)",
    "java&NewLine;script:alert(1)",
    "javascript&colon;alert(1)",
    "java\u200bscript:alert(1)",
    "\u00adjavascript:alert(1)",
    "\ufeffjavascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,x",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
]


def assert_inert(html: str, payload: str) -> None:
    problems = executable_constructs(html)
    assert problems == [], f"{payload!r} rendered as {html!r}: {problems}"


@pytest.mark.parametrize("payload", SCRIPT_AND_HANDLERS + SVG_AND_MATHML + RAW_TEXT_ELEMENTS)
def test_html_payloads_are_inert_everywhere(payload):
    # In Markdown and chat, HTML is text; clean_html (used on stored HTML) strips it.
    for html in (render_markdown(payload), render_chat(payload), clean_html(payload)):
        assert_inert(html, payload)


@pytest.mark.parametrize("payload", SCRIPT_AND_HANDLERS + SVG_AND_MATHML + RAW_TEXT_ELEMENTS)
def test_markdown_and_chat_show_html_payloads_as_the_text_typed(payload):
    # Nothing is silently eaten: what someone typed is what others read.
    assert text_of(render_chat(payload)) == " ".join(payload.split())
    assert "<" in text_of(render_markdown(payload))


@pytest.mark.parametrize("url", DANGEROUS_URLS)
def test_dangerous_urls_never_become_links(url):
    sources = [
        f"[click](<{url}>)",
        f"[click]({url})",
        f"![picture]({url})",
        f"<{url}>",
        f"[click][ref]\n\n[ref]: {url}",
    ]
    outputs = [render_markdown(source) for source in sources]
    outputs += [render_chat(f"click {url}"), clean_html(f'<a href="{url}">click</a>')]
    for html in outputs:
        assert_inert(html, url)
        for link in find(html, "a"):
            assert url_scheme(link.attrs.get("href", "")) in SAFE_SCHEMES, html


@pytest.mark.parametrize(
    "source",
    [
        '[x](https://ok.example"onmouseover="alert(1))',
        "[x](https://ok.example 'a' onclick=alert(1))",
        "https://ok.example/\"onmouseover=alert(1)'",
    ],
)
def test_link_text_cannot_break_out_of_the_href(source):
    for html in (render_markdown(source), render_chat(source)):
        assert_inert(html, source)
        for link in find(html, "a"):
            assert set(link.attrs) <= {"href", "title", "rel"}


def test_markdown_images_become_links_and_load_nothing():
    html = render_markdown("![a calm lake](https://images.example/lake.jpg)")
    assert not find(html, "img")
    (link,) = find(html, "a")
    assert link.attrs["href"] == "https://images.example/lake.jpg"
    assert link.text == "a calm lake"
    assert link.attrs["rel"] == LINK_REL


def test_markdown_image_alt_text_is_escaped():
    html = render_markdown("![<img src=x onerror=alert(1)>](https://images.example/x.png)")
    assert_inert(html, "alt text")
    assert find(html, "a")[0].text == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("<https://example.org/path>", "https://example.org/path"),
        ("<mailto:hello@example.org>", "mailto:hello@example.org"),
        ("see https://example.org/a?b=c now", "https://example.org/a?b=c"),
        ("see www.example.com now", "http://www.example.com"),
    ],
)
def test_autolinks_and_bare_links_are_clickable(source, href):
    (link,) = find(render_markdown(source), "a")
    assert link.attrs == {"href": href, "rel": LINK_REL}


def test_links_inside_code_are_not_linked():
    assert not find(render_markdown("`www.example.com`"), "a")
    assert not find(render_markdown("```\nhttps://example.org\n```"), "a")


LINK_SOURCES = [
    "[a](https://example.org) and www.example.com",
    "<https://example.org>",
    "![img](https://example.org/x.png)",
    '<a href="https://example.org" rel="opener" target="_blank">raw</a>',
]


@pytest.mark.parametrize("source", LINK_SOURCES)
def test_every_link_gets_nofollow_noopener_ugc_and_no_target(source):
    outputs = [render_markdown(source), render_chat(source), clean_html(source)]
    links = [link for html in outputs for link in find(html, "a")]
    assert links, "expected at least one link"
    for link in links:
        assert link.attrs["rel"] == "nofollow noopener ugc"
        assert "target" not in link.attrs


@pytest.mark.parametrize(
    "payload",
    SCRIPT_AND_HANDLERS + SVG_AND_MATHML + RAW_TEXT_ELEMENTS + DANGEROUS_URLS + LINK_SOURCES,
)
def test_output_is_stable_when_cleaned_twice(payload):
    # Stored rich text may be cleaned again (say, after a bleach upgrade): it must not
    # change. (Chat is escaped, not cleaned, and is never passed through clean_html.)
    for html in (
        render_markdown(payload),
        clean_html(payload),
        render_markdown(f"[x]({payload})"),
    ):
        assert clean_html(html) == html


def test_null_bytes_are_dropped():
    html = render_markdown("a\x00b <scr\x00ipt>")
    assert "\x00" not in html
    assert_inert(html, "null bytes")


def test_clean_html_keeps_allowed_structure_and_drops_the_rest():
    html = clean_html(
        '<p class="x" id="y">Hi <em>there</em><span>!</span></p>'
        "<h1>Title</h1><table><tr><td>cell</td></tr></table>"
    )
    assert html.startswith("<p>Hi <em>there</em>!</p>")
    assert text_of(html) == "Hi there ! Title cell"
    assert [element.tag for element in parse(html)] == ["p", "em"]
