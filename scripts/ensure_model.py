"""Train a model unless one already matches the training inputs; print its path.

The model's name carries a hash of everything training reads (config, domain,
data/, the spaCy pipeline's inputs), so "a model that matches the data" is a
file-exists check, and an old model is never served for new data. Training
output goes to stderr; the last line on stdout is the model path.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUT_GLOBS = [
    "config.yml",
    "domain.yml",
    "data/**/*.yml",
    "knowledge/levels_of_care.yml",
    "spacy_pipeline/*.py",
]


def inputs_hash() -> str:
    digest = hashlib.sha256()
    files = sorted({path for pattern in INPUT_GLOBS for path in ROOT.glob(pattern) if path.is_file()})
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def main() -> int:
    name = f"iop-{inputs_hash()}"
    model = MODELS / f"{name}.tar.gz"
    if model.exists():
        print(f"Model {model.relative_to(ROOT)} matches the training data.", file=sys.stderr)
    else:
        print(f"Training {model.relative_to(ROOT)} ...", file=sys.stderr)
        rasa = Path(sys.executable).parent / "rasa"
        command = [str(rasa), "train", "--fixed-model-name", name, "--out", str(MODELS)]
        result = subprocess.run(command, cwd=ROOT, stdout=sys.stderr)
        if result.returncode != 0 or not model.exists():
            print("Training failed.", file=sys.stderr)
            return 1
    print(model.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
