"""The demo website: two plain pages of the centre with the widget embedded.

It also serves the widget itself (/widget/iop-chat.js, iop-chat.css and
config.json), as a deployment's own web server would: no asset comes from a
CDN. The pages' text is rendered from knowledge/ (the centre's details, the
levels of care), so the demo never disagrees with the assistant.

The pages send a strict Content-Security-Policy (scripts, styles and
connections only to this site and the assistant): the widget needs no inline
code, and this keeps it that way.

    python -m demo_site.server --port 8000 --assistant-url http://localhost:5005
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import urlsplit

import jinja2
from aiohttp import web

import chat_widget
import knowledge

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGES = {"/": ("index.html", "Home"), "/levels-of-care": ("levels.html", "Levels of care")}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(assistant_url: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"connect-src 'self' {origin_of(assistant_url)}",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def make_app(assistant_url: str) -> web.Application:
    templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    policy = content_security_policy(assistant_url)
    widget_config = json.dumps(chat_widget.widget_config())

    def page(template: str, title: str):
        async def handler(request: web.Request) -> web.Response:
            html = templates.get_template(template).render(
                title=title,
                path=request.path,
                pages=PAGES,
                clinic=knowledge.clinic(),
                levels=knowledge.levels(),
                crisis=knowledge.crisis_resources(),
                assistant_url=assistant_url,
            )
            return web.Response(
                text=html,
                content_type="text/html",
                headers={"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"},
            )

        return handler

    async def config(request: web.Request) -> web.Response:
        # Public facts; any page embedding the widget may read them.
        return web.Response(
            text=widget_config,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
        )

    def asset(name: str):
        async def handler(request: web.Request) -> web.FileResponse:
            # no-cache: browsers revalidate (cheap, with Last-Modified), so a
            # new widget version reaches visitors at once.
            return web.FileResponse(
                chat_widget.ASSETS / name,
                headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"},
            )

        return handler

    app = web.Application()
    for path, (template, title) in PAGES.items():
        app.router.add_get(path, page(template, title))
    app.router.add_get("/widget/config.json", config)
    for name in chat_widget.FILES:
        app.router.add_get(f"/widget/{name}", asset(name))
    app.router.add_get("/site.css", lambda request: web.FileResponse(TEMPLATES / "site.css"))
    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the demo website with the chat widget.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--assistant-url", default="http://localhost:5005", help="the Rasa server, as the browser reaches it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    web.run_app(make_app(args.assistant_url), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
