"""The bot's messages as staff read them: markdown rendered safely (transcripts), or as plain text (exports).

The bot's responses use a little markdown (domain.yml): **bold**, "- " and
"1. " lists, the odd [label](url) link. Some of them repeat what the person
typed (the callback summary repeats the name and the note), so a message is
untrusted text:

* it is HTML-escaped before Python-Markdown sees it, and Python-Markdown's
  raw-HTML handling is switched off too: "<img src=x onerror=...>" is shown
  as those characters;
* only the markdown the chat widget renders is kept (paragraphs, line
  breaks, lists, bold and italics, links): no images, headings, rules,
  quotes, code, reference links or <autolinks>;
* a link keeps its href only when it is absolute http(s), tel or mailto;
  any other ("javascript:", "data:", a relative path into this app) is
  shown as plain text, "label (target)", with no href.

Lists and lines are read as the widget reads them: a list may follow a line
of text directly ("...team:\\n- Name: ..."), a line of text right after an
item ends the list, and single line breaks are kept.

`to_plain` gives the same message without markdown syntax, for exports:
list items as "• item" (numbered ones as "1. item"), links as
"label (url)", paragraphs separated by a blank line.
"""
from __future__ import annotations

import html
import re
import threading
from html.parser import HTMLParser
from typing import List, Optional

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

SAFE_LINK = re.compile(r"(?:https?|tel|mailto):", re.IGNORECASE)
LIST_ITEM = re.compile(r"^ {0,3}(?:[*+-]|\d+\.)\s+\S")
# Python-Markdown's parts that the chat widget doesn't render, or that can make markup from text.
DROPPED_INLINE = (
    "backtick", "reference", "short_reference", "image_link", "image_reference", "short_image_ref",
    "autolink", "automail", "html", "em_strong2",
)
DROPPED_BLOCKS = ("code", "hashheader", "setextheader", "hr", "quote", "reference")


def safe_href(href: str) -> bool:
    """An absolute http(s), tel or mailto target (as written, and as a browser would decode it)."""
    return bool(SAFE_LINK.match(href) and SAFE_LINK.match(html.unescape(href)))


class _ListsAsInTheWidget(Preprocessor):
    """Lists as the widget reads them: a list item right after a line of text starts a list
    (Python-Markdown wants a blank line first), and a line of text right after an item ends
    it (Python-Markdown would carry it on inside the item)."""

    def run(self, lines: List[str]) -> List[str]:
        found: List[str] = []
        for line in lines:
            previous = found[-1] if found else ""
            starts_list = LIST_ITEM.match(line) and previous.strip() and not LIST_ITEM.match(previous)
            ends_list = line.strip() and not line.startswith(" ") and not LIST_ITEM.match(line) and LIST_ITEM.match(previous)
            if starts_list or ends_list:
                found.append("")
            found.append(line)
        return found


class _SafeLinks(Treeprocessor):
    """Links other than http(s), tel and mailto become plain text: "label (target)", no href."""

    def run(self, root):
        for element in root.iter("a"):
            href = element.get("href", "")
            if safe_href(href):
                element.attrib = {"href": href}
                if href.lower().startswith(("http:", "https:")):
                    element.set("rel", "noopener noreferrer nofollow")
                    element.set("target", "_blank")
                continue
            element.tag, element.attrib = "span", {"class": "link-removed"}
            suffix = f" ({href})" if href else ""
            if len(element):
                element[-1].tail = (element[-1].tail or "") + suffix
            else:
                element.text = (element.text or "") + suffix
        return None


class _SafeBotMarkdown(Extension):
    def extendMarkdown(self, md) -> None:
        for name in DROPPED_INLINE:
            md.inlinePatterns.deregister(name, strict=False)
        for name in DROPPED_BLOCKS:
            md.parser.blockprocessors.deregister(name, strict=False)
        md.preprocessors.deregister("html_block", strict=False)
        md.preprocessors.register(_ListsAsInTheWidget(md), "lists_as_in_the_widget", 25)
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 5)  # after the inline patterns made the links


_local = threading.local()  # a Markdown instance is not thread-safe; the app serves with threads


def _markdown() -> markdown.Markdown:
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(
            extensions=["nl2br", "sane_lists", _SafeBotMarkdown()], output_format="html"
        )
    return converter


def to_html(text: str) -> Markup:
    """A bot message as safe HTML (see the module docstring)."""
    converter = _markdown()
    try:
        return Markup(converter.convert(html.escape(text or "", quote=False)))
    finally:
        converter.reset()


class _PlainText(HTMLParser):
    """Text from to_html's output: blocks on their own lines, list items with a marker."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = ""
        self.lists: List[List] = []  # [tag, next number] per open list
        self.href: Optional[str] = None
        self.link_text = ""

    def _ensure(self, newlines: str) -> None:
        self.out = self.out.rstrip(" ")
        if self.out and not self.out.endswith(newlines):
            self.out = self.out.rstrip("\n") + newlines

    def handle_starttag(self, tag, attrs):
        if tag == "p" and not self.out.endswith(("• ", ". ")) and not self.lists:
            self._ensure("\n\n")
        elif tag in ("ul", "ol"):
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag, int(start) if start.isdigit() else 1])
            self.out = self.out.rstrip(" \n") + "\n" if self.out else ""  # right under the line before it
        elif tag == "li":
            self._ensure("\n")
            marker = "• "
            if self.lists and self.lists[-1][0] == "ol":
                marker = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            self.out += "  " * max(len(self.lists) - 1, 0) + marker
        elif tag == "br":
            self.out = self.out.rstrip(" ") + "\n"
        elif tag == "a":
            self.href, self.link_text = dict(attrs).get("href") or "", ""

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._ensure("\n\n" if not self.lists else "\n")
        elif tag == "p" and not self.lists:
            self._ensure("\n\n")
        elif tag == "a" and self.href is not None:
            target = self.href[len("mailto:"):] if self.href.lower().startswith("mailto:") else self.href
            if target and target != self.link_text.strip():
                self.out += f" ({self.href})"
            self.href = None

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if not self.out or self.out.endswith("\n"):
            text = text.lstrip()
        self.out += text
        if self.href is not None:
            self.link_text += text


def to_plain(text: str) -> str:
    """A bot message without markdown syntax (see the module docstring)."""
    parser = _PlainText()
    parser.feed(str(to_html(text)))
    parser.close()
    return "\n".join(line.rstrip() for line in parser.out.strip().split("\n"))
