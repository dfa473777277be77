"""Record what the shipped models output today: scores for a few users and `recommend --json` for two
models. tests/test_reference.py compares the code against this record, so a refactor that changes a
score or a JSON key fails there. Re-record only when the shipped models are rebuilt on purpose:

    python scripts/record_reference.py
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "tests" / "data" / "reference.json"
USERS = ("1", "27", "150")
JSON_MODELS = ("target-soft", "self-soft")


def main():
    from recsys_core.store.opened import open_model
    shipped = REPO / "sample_data" / "models"
    record = {"scores": {}, "recommend": {}, "files": {}}
    data = None
    for folder in sorted(p for p in shipped.iterdir() if p.is_dir()):
        path = folder / "model.pt"
        record["files"][folder.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        loaded = open_model(str(path), data=data)
        data = loaded.data
        index = data.user_index()
        with torch.no_grad():
            for user in USERS:
                seq = data.seq(index[user])[-loaded.max_len:].tolist()
                x = torch.tensor([[0] * (loaded.max_len - len(seq)) + seq])
                record["scores"].setdefault(folder.name, {})[user] = [round(float(s), 5) for s in loaded.model.score(x)[0, 1:]]
    for name in JSON_MODELS:
        out = subprocess.run([sys.executable, "-m", "recsys_core", "recommend", "--model", str(shipped / name),
                              "--user", USERS[1], "-k", "5", "--json"], capture_output=True, text=True, check=True,
                             cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        record["recommend"][name] = json.loads(out.stdout)
    OUT.write_text(json.dumps(record))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
