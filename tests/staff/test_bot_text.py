"""The bot's markdown as staff read it (staff_review/bot_text.py): what may become markup, and
the plain text of exports. Pure functions, no server: the transcripts that use them are
tested against the real app in test_transcript_reading.py."""
from __future__ import annotations


import pytest

from staff_review.bot_text import to_html, to_plain
from tests.staff.conftest import tags_in

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a", "span"}


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x](/conversation/erase?id=a)",
    "[x](//evil.example/)",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/pixel.png)",
    "<javascript:alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div onclick=alert(1)>x</div>\n\nmore",
    "**<svg onload=alert(1)>**",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    '[x](https://example.org" onclick="alert(1))',
    "[x](https://example.org 'a\" onmouseover=\"alert(1)')",
    "`<script>`",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
])
def test_nothing_a_person_types_becomes_active_html(text):
    for message in (text, f"- Note: {text}", f"Here's what I'll send:\n- Name: {text}\n\nIs that right?"):
        for tag, attributes in tags_in(to_html(message)):
            assert tag in ALLOWED_TAGS, (message, tag)
            assert not any(name.startswith("on") or name in ("src", "style") for name in attributes), (message, attributes)
            if tag == "a":
                assert attributes["href"].lower().startswith(("https:", "http:", "tel:", "mailto:")), attributes


def test_links_keep_their_href_only_for_http_tel_and_mailto():
    html = to_html("[guide](https://example.org/a?b=1&c=2) [call](tel:+18555080437) [mail](mailto:a@example.org)")
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">guide</a>' in html
    assert '<a href="tel:+18555080437">call</a>' in html and '<a href="mailto:a@example.org">mail</a>' in html
    dropped = to_html("[click **here**](javascript:alert(1)) and [there](sms:988)")
    assert "href" not in dropped
    assert '<span class="link-removed">click <strong>here</strong> (javascript:alert(1))</span>' in dropped
    assert '<span class="link-removed">there (sms:988)</span>' in dropped


def test_the_markdown_the_bot_uses_is_rendered_as_the_widget_shows_it():
    summary = "Here's what I'll send to our admissions team:\n- Name: Dana\n- Phone: (619) 555-0101\n\nIs that right?"
    assert to_html(summary) == (
        "<p>Here's what I'll send to our admissions team:</p>\n<ul>\n<li>Name: Dana</li>\n"
        "<li>Phone: (619) 555-0101</li>\n</ul>\n<p>Is that right?</p>"
    )
    overview = "From least to most intensive:\n1. **Outpatient**: weekly\n2. **IOP**: a few days\nAsk me about any of them."
    html = to_html(overview)
    assert "<ol>" in html and "<li><strong>Outpatient</strong>: weekly</li>" in html
    assert html.endswith("</ol>\n<p>Ask me about any of them.</p>"), "a line after a list is not part of its last item"
    assert to_html("one\ntwo") == "<p>one<br>\ntwo</p>"
    # What the widget shows as text stays text: headings, rules, quotes, code, underscores.
    assert to_html("# not a heading\n\n---\n\n> not a quote\n\n    not code\n\nsnake_case_name `x`") == (
        "<p># not a heading</p>\n<p>---</p>\n<p>&gt; not a quote</p>\n<p>not code</p>\n<p>snake_case_name `x`</p>"
    )
    # Characters are shown as typed, entities included.
    assert to_html("a &amp; b < c") == "<p>a &amp;amp; b &lt; c</p>"


def test_plain_text_for_exports():
    summary = ("Here's what I'll send to our admissions team:\n- Name: Dana\n- Note: **call** after [5](https://x.org) "
               "or [mail](mailto:a@x.org), not [this](javascript:alert(1))\n\nIs that right?")
    assert to_plain(summary) == (
        "Here's what I'll send to our admissions team:\n• Name: Dana\n"
        "• Note: call after 5 (https://x.org) or mail (mailto:a@x.org), not this (javascript:alert(1))\n\nIs that right?"
    )
    assert to_plain("Levels:\n1. **One**: a\n2. **Two**: b\nAsk me.") == "Levels:\n1. One: a\n2. Two: b\n\nAsk me."
    assert to_plain("**IOP vs PHP**\n\n**Where you live**\n- IOP: home\n- PHP: home") == (
        "IOP vs PHP\n\nWhere you live\n• IOP: home\n• PHP: home"
    )
    assert to_plain("a &amp; b <img src=x> [https://x.org](https://x.org)") == "a &amp; b <img src=x> https://x.org"
    assert to_plain("one\ntwo") == "one\ntwo" and to_plain("") == ""
