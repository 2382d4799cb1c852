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


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)


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
    )
    failed = (out / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0
