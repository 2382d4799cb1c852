"""The Rasa server lets the configured website call it from a browser, and no other site."""
import urllib.request

import pytest


def preflight(assistant, origin):
    request = urllib.request.Request(
        assistant.webhook,
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers.get("Access-Control-Allow-Origin")


def test_the_websites_origin_is_allowed(assistant, site):
    """Its token travels in the Authorization header, which the preflight must allow."""
    assert preflight(assistant, site) == site


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:1", "null"])
def test_other_origins_are_not(assistant, site, origin):
    assert preflight(assistant, origin) is None


def test_a_page_elsewhere_cannot_read_the_assistants_replies(page, site, assistant):
    """A page from another origin (the action server's health page will do) gets nothing back."""
    page.goto(f"http://127.0.0.1:{assistant.actions_port}/health")  # any page that is not the website
    outcome = page.evaluate(
        """url => fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                               body: JSON.stringify({sender: 'cors-probe', message: 'hi'})})
                  .then(() => 'read', () => 'blocked')""",
        assistant.webhook,
    )
    assert outcome == "blocked"
