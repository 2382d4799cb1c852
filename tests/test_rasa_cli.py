"""Rasa's own checks: the training data validates, and the test stories pass.

`rasa test` runs the stories in tests/stories/ through the trained model and
the real action server (the one the session's assistant fixture started),
and fails on any wrong intent or action.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.servers import ROOT, model_path

RASA = str(Path(sys.executable).parent / "rasa")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=900)


def test_training_data_validates_without_warnings():
    result = run("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_tests_pass_with_no_prediction_errors(assistant, tmp_path):
    out = tmp_path / "results"
    result = run(
        "test", "core",
        "--model", model_path(),
        "--stories", "tests/stories",
        "--endpoints", str(assistant.endpoints),
        "--fail-on-prediction-errors",
        "--out", str(out),
        # The action server obeys calls that carry its token (endpoints.yml reads it from here).
        env={"ACTION_SERVER_TOKEN": assistant.env["ACTION_SERVER_TOKEN"]},
    )
    failed = (out / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0


def test_held_out_nlu_test_set_scores_at_least_095_macro_f1(tmp_path):
    # tests/nlu/test_nlu.yml is written apart from data/nlu/ (new phrasings,
    # typos, long messages); `make bench-nlu` prints the full comparison.
    result = run("test", "nlu", "--model", model_path(), "--nlu", "tests/nlu/test_nlu.yml", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    weakest = sorted(
        (scores["f1-score"], intent)
        for intent, scores in report.items()
        if isinstance(scores, dict) and "support" in scores and intent not in ("macro avg", "weighted avg", "micro avg")
    )[:3]
    assert report["macro avg"]["f1-score"] >= 0.95, weakest
