"""`train --ratings` saves a rating model beside the ranking model, and `evaluate --json` reports its
MAE, RMSE and liked-item precision/recall/F1 exactly as the core computes them (issue 16)."""
import json

import numpy as np

from recsys_core.cli.main import main
from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.ratings import evaluate_saved_ratings


def test_train_ratings_then_evaluate_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = [f"u{u},i{i},{t},{1 + (u + i) % 5}" for u in range(40)
            for t, i in enumerate(rng.choice(30, size=12, replace=False))]
    path = tmp_path / "rated.csv"
    path.write_text("user,item,timestamp,rating\n" + "\n".join(rows) + "\n")
    out = tmp_path / "m"
    assert main(["train", "--dataset", str(path), "--arch", "target", "--epochs", "1", "--dim", "16",
                 "--ratings", "--out", str(out)]) == 0
    assert "ratings  mae" in capsys.readouterr().out
    assert (out / "rating.pt").is_file()
    assert main(["evaluate", "--model", str(out), "--json", "--like-threshold", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    want = evaluate_saved_ratings(str(out / "model.pt"), prepare(load_dataset(str(path))), 3.0)
    for key in ("mae", "rmse", "precision", "recall", "f1"):
        assert doc[key] == want[key]
    assert doc["full"]["ndcg@10"] >= 0  # the ranking figures are still there


def test_ratings_on_data_without_ratings_is_one_line(tmp_path, capsys):
    path = tmp_path / "plain.csv"
    path.write_text("user,item,timestamp\n" + "".join(f"u{u},i{(u + k) % 9},{k}\n" for u in range(20) for k in range(6)))
    code = main(["train", "--dataset", str(path), "--arch", "popular", "--ratings", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "has no ratings" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()  # refused before any training
