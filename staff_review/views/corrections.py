"""The collected intent corrections, and their export as Rasa NLU YAML."""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, url_for

from staff_review import audit, curation, nlu_export

bp = Blueprint("corrections", __name__)


@bp.route("/corrections")
def index():
    return render_template("corrections.html", rows=curation.all_corrections())


@bp.route("/corrections/nlu.yml")
def export():
    rows = curation.all_corrections()
    audit.record("corrections_export", detail=f"{len(rows)} corrections")
    return Response(nlu_export.to_yaml(rows), mimetype="application/x-yaml",
                    headers={"Content-Disposition": 'attachment; filename="corrections_nlu.yml"'})


@bp.route("/corrections/<int:correction_id>/delete", methods=["POST"])
def delete(correction_id: int):
    curation.delete_correction(correction_id)
    audit.record("correction_delete", detail=f"correction {correction_id}")
    return redirect(url_for("corrections.index"))
