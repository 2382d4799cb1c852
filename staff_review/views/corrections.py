"""The collected intent corrections, and their export as Rasa NLU YAML.

Both show message text from many conversations: each writes one audit row
with how many it showed or exported. The export is redacted (nlu_export)."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for

from staff_review import audit, callback_queue, curation, nlu_export
from staff_review.transcript import load_many

bp = Blueprint("corrections", __name__)


@bp.route("/corrections")
def index():
    rows = curation.all_corrections()
    audit.record("view_corrections", detail=f"{len(rows)} corrections shown")
    return render_template("corrections.html", rows=rows)


def _names_by_conversation(conversation_ids):
    """The names people gave in these conversations (form answers and stored callback requests), for redaction."""
    names = {cid: list(transcript.known_names) for cid, transcript in load_many(conversation_ids).items()}
    for request_row in callback_queue.requests(conversation_ids=conversation_ids):
        names.setdefault(request_row.conversation_id, []).append(request_row.name)
    return names


@bp.route("/corrections/nlu.yml")
def export():
    rows = curation.all_corrections()
    conversation_ids = sorted({row.conversation_id for row in rows})
    body = nlu_export.to_yaml(rows, _names_by_conversation(conversation_ids))
    audit.record("corrections_export", detail=f"redacted; {len(rows)} corrections, {len(body.encode())} bytes")
    return Response(body, mimetype="application/x-yaml",
                    headers={"Content-Disposition": 'attachment; filename="corrections_nlu.yml"'})


@bp.route("/corrections/<int:correction_id>/delete", methods=["POST"])
def delete(correction_id: int):
    curation.delete_correction(correction_id)
    audit.record("correction_delete", detail=f"correction {correction_id}")
    return redirect(url_for("corrections.index"))
