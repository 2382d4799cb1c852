"""One search box for everything: a callback request by its CB reference, a phone number typed
in any format or a name, and conversations by those or by the words people wrote (or their id)."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request

from staff_review import audit, callback_queue, conversations, sync
from staff_review.conversations import Filters, search_words

bp = Blueprint("search", __name__)
MAX_CONVERSATIONS = 50


@bp.route("/search")
def index():
    q = search_words(request.args.get("q", ""), 100)
    requests_found, found = [], []
    if q:
        sync.sync()
        requests_found = callback_queue.requests(q=q, username=g.user.username, limit=MAX_CONVERSATIONS)
        # Conversations: those of the matching requests, the one with this id, then those whose messages match.
        wanted = [row.conversation_id for row in requests_found]
        if conversations.summary(q) is not None:
            wanted.append(q)
        by_words, _ = conversations.find(Filters(q=q, test="show"), page_size=MAX_CONVERSATIONS)
        rows = {row.conversation_id: (row, tags) for row, tags in by_words}
        for row, tags in conversations.find_ids(wanted):
            rows.setdefault(row.conversation_id, (row, tags))
        found = sorted(rows.values(), key=lambda item: -item[0].last_at)[:MAX_CONVERSATIONS]
    # What was searched for is about a person: the audit log has only how much was found.
    audit.record("search", detail=f"{len(requests_found)} requests, {len(found)} conversations shown")
    return render_template("search.html", q=q, requests_found=requests_found, found=found,
                           outcomes=callback_queue.OUTCOMES)
