"""`make bench-nlu`: how well the NLU understands messages it has never seen.

Prints, for the project's pipeline (config.yml) and for a TF-IDF + logistic
regression baseline trained on the same data (data/nlu/):
  * intent macro-F1 and accuracy on the held-out test set (tests/nlu/test_nlu.yml,
    written apart from the training data, in other words);
  * intent macro-F1 of 5-fold cross-validation on the training data.
Rasa's own `rasa test nlu` does the scoring for the pipeline (its report
ignores the FallbackClassifier's threshold, so the classifier itself is scored).

  python -m benchmarks.nlu [--model M] [--skip-cv] [--compare]

--compare also trains and scores each candidate pipeline in
benchmarks/nlu_pipelines/ on the test set: that is how config.yml's pipeline
was chosen (README, "NLU pipeline").
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "data" / "nlu"
TEST = ROOT / "tests" / "nlu" / "test_nlu.yml"
CANDIDATES = Path(__file__).resolve().parent / "nlu_pipelines"
RASA = str(Path(sys.executable).parent / "rasa")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
FOLDS = 5


def examples(path: Path) -> Tuple[List[str], List[str]]:
    data = load_data(str(path))
    return [e.get("text") for e in data.intent_examples], [e.get("intent") for e in data.intent_examples]


# --- baselines --------------------------------------------------------------

def baseline():
    """The textbook baseline: TF-IDF of words into logistic regression, scikit-learn's defaults."""
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=3000))


def score_baseline(make) -> Dict[str, float]:
    x, y = examples(TRAIN)
    x_test, y_test = examples(TEST)
    predicted = make().fit(x, y).predict(x_test)
    folds = []
    x_array, y_array = np.array(x, dtype=object), np.array(y)
    for train_index, test_index in StratifiedKFold(FOLDS, shuffle=True, random_state=42).split(x_array, y_array):
        model = make().fit(list(x_array[train_index]), list(y_array[train_index]))
        folds.append(f1_score(y_array[test_index], model.predict(list(x_array[test_index])), average="macro"))
    return {
        "test_f1": f1_score(y_test, predicted, average="macro"),
        "test_accuracy": accuracy_score(y_test, predicted),
        "cv_f1": float(np.mean(folds)),
    }


# --- Rasa pipelines -----------------------------------------------------------

def rasa(*args: str) -> None:
    result = subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"rasa {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def intent_report(directory: Path) -> dict:
    return json.loads((directory / "intent_report.json").read_text())


def score_model(model: str, out: Path) -> Dict[str, float]:
    rasa("test", "nlu", "--model", model, "--nlu", str(TEST), "--out", str(out))
    report = intent_report(out)
    return {"test_f1": report["macro avg"]["f1-score"], "test_accuracy": report["accuracy"]}


def train_nlu(config: Path, out: Path) -> Tuple[str, float]:
    started = time.monotonic()
    rasa("train", "nlu", "--config", str(config), "--nlu", str(TRAIN), "--out", str(out), "--fixed-model-name", "nlu")
    return str(out / "nlu.tar.gz"), time.monotonic() - started


def cross_validate(config: Path, out: Path) -> float:
    rasa("test", "nlu", "--nlu", str(TRAIN), "--config", str(config), "--cross-validation", "--folds", str(FOLDS), "--out", str(out))
    return intent_report(out)["macro avg"]["f1-score"]


def row(name: str, scores: Dict[str, float], extra: str = "") -> str:
    cv = f"{scores['cv_f1']:.3f}" if "cv_f1" in scores else "-"
    return f"| {name} | {scores['test_f1']:.3f} | {scores['test_accuracy']:.3f} | {cv} | {extra} |"


def main() -> int:
    parser = argparse.ArgumentParser(description="NLU scores on held-out data")
    parser.add_argument("--model", help="a trained model (default: train NLU from config.yml)")
    parser.add_argument("--skip-cv", action="store_true", help="no cross-validation (saves five trainings)")
    parser.add_argument("--compare", action="store_true", help="also score the candidate pipelines")
    args = parser.parse_args()

    x_train, _ = examples(TRAIN)
    x_test, y_test = examples(TEST)
    print(f"Training examples: {len(x_train)}; held-out test examples: {len(x_test)} over {len(set(y_test))} intents.")
    print(f"Cross-validation: {FOLDS} folds on the training data.\n")
    lines = [
        "| pipeline | test macro-F1 | test accuracy | 5-fold CV macro-F1 | notes |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.model:
            model, seconds = args.model, None
        else:
            model, seconds = train_nlu(ROOT / "config.yml", work / "model")
        ours = score_model(model, work / "test")
        if not args.skip_cv:
            ours["cv_f1"] = cross_validate(ROOT / "config.yml", work / "cv")
        note = f"NLU training {seconds:.0f} s" if seconds else ""
        lines.append(row("**config.yml** (chosen)", ours, note))
        if args.compare:
            for candidate in sorted(CANDIDATES.glob("*.yml")):
                candidate_model, seconds = train_nlu(candidate, work / candidate.stem)
                scores = score_model(candidate_model, work / f"test-{candidate.stem}")
                lines.append(row(f"candidate: {candidate.stem}", scores, f"NLU training {seconds:.0f} s"))
    lines.append(row("baseline: TF-IDF words + logistic regression (scikit-learn defaults)", score_baseline(baseline)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
