"""Record what other libraries' own code computes, as fixtures for the imported-model families
(tests/test_imported_models.py): tiny RecBole 1.2.1 SASRec, BERT4Rec and GRU4Rec models and two
SASRec.pytorch models (pmixer's, post-LN and pre-LN) trained on the embedded shop, and for a handful
of users each library's input window, its scores for every item, its top-10 and its attention rows.

The libraries never enter the project: RecBole goes into a throw-away virtual environment under /tmp
(with the pins and shims it needs on a current Python; see SHIMS), SASRec.pytorch is copied from
../shared/peers into a temporary folder, and this script runs itself inside that environment as a
worker. The checkpoints (a few hundred kB) and records.json land in tests/data/imported/.

    python scripts/record_imports.py            # about 45 minutes on 2 busy cores
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "tests", "data", "imported")
PEER = os.path.join(os.path.dirname(REPO), "shared", "peers", "sasrec-pytorch")
VENV = "/tmp/attention-lens-recbole-venv"
# recbole==1.2.1 pins ray<=2.6.3 and tensorboard, which it needs only for tuning and logging, so it is
# installed without its dependencies and these are installed instead; numpy < 2 keeps np.float_ and
# np.float, setuptools < 82 keeps pkg_resources, and torch is the project's own pin.
PACKAGES = ["recbole==1.2.1", "torch==2.13.0", "numpy<2", "pandas<2.2", "setuptools<82", "scipy<1.14",
            "scikit-learn<1.6", "joblib", "cloudpickle", "threadpoolctl", "colorlog==4.7.2", "colorama==0.4.4", "pyyaml", "tqdm",
            "texttable", "tabulate", "psutil", "thop", "filelock", "typing_extensions", "sympy", "mpmath",
            "networkx", "jinja2", "MarkupSafe", "fsspec", "python-dateutil", "pytz", "tzdata"]
USERS = ("1", "2", "27", "150", "333", "777", "1024", "1240")  # short and long (over 50 items) histories
RECBOLE_MODELS = {
    "SASRec": {"n_layers": 2, "n_heads": 2, "hidden_size": 32, "inner_size": 64, "hidden_act": "gelu"},
    "BERT4Rec": {"n_layers": 2, "n_heads": 2, "hidden_size": 32, "inner_size": 64, "hidden_act": "gelu",
                 "mask_ratio": 0.2},
    "GRU4Rec": {"embedding_size": 32, "hidden_size": 48, "num_layers": 2, "dropout_prob": 0.2},
}
PEER_RUNS = {"postln": [], "preln": ["--norm_first"]}
PEER_EPOCHS = 60


# --- in the project's Python: set up, then run the workers -----------------------------------------

def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", *PACKAGES], check=True)
    return python


def write_inputs(tmp: str):
    """The embedded shop as a RecBole atomic file and as SASRec text, rows in the shop's file order."""
    import csv
    with open(os.path.join(REPO, "sample_data", "interactions.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    os.makedirs(os.path.join(tmp, "shop"))
    with open(os.path.join(tmp, "shop", "shop.inter"), "w", encoding="utf-8") as f:
        f.write("user_id:token\titem_id:token\ttimestamp:float\n")
        f.writelines(f"{r['user_id']}\t{r['item_id']}\t{r['timestamp']}\n" for r in rows)
    os.makedirs(os.path.join(tmp, "data"))
    with open(os.path.join(tmp, "data", "shop.txt"), "w", encoding="utf-8") as f:
        f.writelines(f"{r['user_id']} {r['item_id']}\n" for r in rows)  # already in time order per user


def main():
    python = ensure_venv()
    os.makedirs(OUT, exist_ok=True)
    records = {}
    with tempfile.TemporaryDirectory(prefix="record-imports-") as tmp:
        write_inputs(tmp)
        for model in RECBOLE_MODELS:
            records.update(_worker(python, tmp, "recbole", model))
        if os.path.isdir(PEER):
            for f in ("model.py", "utils.py", "main.py"):
                shutil.copy(os.path.join(PEER, f), tmp)
            for run in PEER_RUNS:
                records.update(_worker(python, tmp, "sasrec-pytorch", run))
        else:
            print(f"skipped SASRec.pytorch: {PEER} is absent", file=sys.stderr)
    with open(os.path.join(OUT, "records.json"), "w", encoding="utf-8") as f:
        json.dump(records, f, indent=1)
    print(f"wrote {OUT}: " + ", ".join(sorted(os.listdir(OUT))))


def _worker(python: str, tmp: str, kind: str, what: str) -> dict:
    env = {**os.environ, "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([python, os.path.abspath(__file__), "--worker", kind, what, tmp], env=env, cwd=tmp,
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"{kind} {what} failed:\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- in the throw-away environment: train with the library and record its outputs -------------------

def _shim_tensorboard():
    """RecBole's trainer imports torch.utils.tensorboard at import time; it is only used for logging."""
    import types
    stub = types.ModuleType("torch.utils.tensorboard")

    class SummaryWriter:
        def __init__(self, *a, **k): pass
        def __getattr__(self, name): return lambda *a, **k: None

    stub.SummaryWriter = SummaryWriter
    sys.modules["torch.utils.tensorboard"] = stub


def _rows(scores, masked, k=10):
    import torch
    s = scores.clone()
    s[masked] = float("-inf")
    return torch.topk(s, k).indices.tolist()


def recbole_worker(model_name: str, tmp: str) -> dict:
    _shim_tensorboard()
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_seed
    params = {"data_path": tmp, "checkpoint_dir": os.path.join(tmp, "saved"), "use_gpu": False, "seed": 7,
              "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id", "TIME_FIELD": "timestamp",
              "load_col": {"inter": ["user_id", "item_id", "timestamp"]}, "MAX_ITEM_LIST_LENGTH": 50,
              "train_neg_sample_args": None, "loss_type": "CE", "epochs": 12, "eval_step": 4, "stopping_step": 3,
              "train_batch_size": 256, "eval_batch_size": 256, "learning_rate": 0.003, "show_progress": False,
              "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "mode": "full"},
              "metrics": ["NDCG", "Hit"], "topk": [10], "valid_metric": "NDCG@10", "worker": 0,
              **RECBOLE_MODELS[model_name]}
    config = Config(model=model_name, dataset="shop", config_dict=params)
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train, valid, test = data_preparation(config, dataset)
    model = get_model(config["model"])(config, train.dataset)
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    trainer.fit(train, valid, saved=True, show_progress=False)
    result = trainer.evaluate(test, load_best_model=True, show_progress=False)
    model = trainer.model.eval()
    saved = glob.glob(os.path.join(tmp, "saved", f"{model_name}-*.pth"))
    target = os.path.join(OUT, f"recbole-{model_name.lower()}.pth")
    shutil.copy(max(saved, key=os.path.getmtime), target)
    tokens = dataset.field2id_token
    probs = []
    if hasattr(model, "trm_encoder"):  # the softmax output is attn_dropout's input in every layer
        for layer in model.trm_encoder.layer:
            layer.multi_head_attention.attn_dropout.register_forward_hook(lambda m, i, o: probs.append(i[0]))
    users = {}
    with torch.no_grad():
        for batch in test:
            inter, history_index, _, _ = batch
            probs.clear()
            scores = model.full_sort_predict(inter).view(len(inter), -1)  # (B, n_items)
            masked = torch.zeros_like(scores, dtype=torch.bool)
            masked[:, 0] = True
            if history_index is not None:
                masked[history_index] = True
            for b in range(len(inter)):
                uid = str(tokens["user_id"][int(inter["user_id"][b])])
                if uid not in USERS:
                    continue
                n = int(inter["item_length"][b])
                seq = inter["item_id_list"][b, :n].tolist()
                q = n - 1  # the prediction's position: SASRec's last item, BERT4Rec's mask (its window drops one)
                users[uid] = {
                    "window": [str(tokens["item_id"][i]) for i in seq],
                    "scores": {str(tokens["item_id"][i]): float(scores[b, i]) for i in range(1, scores.shape[1])},
                    "masked": [str(tokens["item_id"][i]) for i in masked[b].nonzero()[:, 0].tolist() if i > 0],
                    "top10": [str(tokens["item_id"][i]) for i in _rows(scores[b], masked[b])],
                    "attention": [p[b, :, q, :].tolist() for p in probs],  # per layer (H, L): the prediction's row
                }
    return {f"recbole-{model_name.lower()}": {
        "file": os.path.basename(target), "library": "RecBole 1.2.1", "model": model_name,
        "test": {k: float(v) for k, v in result.items()}, "items": len(tokens["item_id"]) - 1, "users": users}}


def peer_worker(run: str, tmp: str) -> dict:
    import numpy as np
    import torch
    sys.path.insert(0, tmp)
    subprocess.run([sys.executable, "main.py", "--dataset=shop", f"--train_dir={run}", "--device=cpu", "--maxlen=50",
                    "--hidden_units=32", "--num_blocks=2", "--num_heads=2", "--dropout_rate=0.2", f"--num_epochs={PEER_EPOCHS}",
                    *PEER_RUNS[run]], cwd=tmp, check=True, capture_output=True)
    from model import SASRec
    from utils import data_partition
    folder = os.path.join(tmp, f"shop_{run}")
    path = glob.glob(os.path.join(folder, f"SASRec.epoch={PEER_EPOCHS}.*.pth"))[0]
    target = os.path.join(OUT, f"sasrec-pytorch-{run}")
    os.makedirs(target, exist_ok=True)
    for f in (path, os.path.join(folder, "args.txt")):
        shutil.copy(f, target)
    train, valid, test, usernum, itemnum = data_partition("shop")
    args = argparse.Namespace(device="cpu", hidden_units=32, maxlen=50, dropout_rate=0.2, num_blocks=2, num_heads=2,
                              norm_first=run == "preln")
    model = SASRec(usernum, itemnum, args)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.eval()
    weights = []
    for layer in model.attention_layers:  # nn.MultiheadAttention returns the head-averaged weights
        layer.register_forward_hook(lambda m, i, o: weights.append(o[1]))
    users = {}
    with torch.no_grad():
        for uid in USERS:
            u = int(uid)
            history = (train[u] + valid[u])[-50:]  # its evaluate(): the test item's history
            seq = np.zeros((1, 50), dtype=np.int64)
            seq[0, 50 - len(history):] = history
            weights.clear()
            scores = model.predict(np.array([u]), seq, np.arange(itemnum + 1)[None])[0]  # (itemnum + 1,)
            masked = torch.zeros_like(scores, dtype=torch.bool)
            masked[0] = True
            masked[torch.tensor(train[u] + valid[u] + test[u])] = True
            users[uid] = {"window": [str(i) for i in history],
                          "scores": {str(i): float(scores[i]) for i in range(1, itemnum + 1)},
                          "masked": [str(i) for i in masked.nonzero()[:, 0].tolist() if i > 0],
                          "top10": [str(i) for i in _rows(scores, masked)],
                          "attention": [w[0, -1].tolist() for w in weights]}  # per layer (L,): mean over heads
    return {f"sasrec-pytorch-{run}": {"file": f"sasrec-pytorch-{run}/{os.path.basename(path)}",
                                      "library": "SASRec.pytorch (pmixer, fde8a9c)", "model": "SASRec",
                                      "items": itemnum, "users": users}}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, what, tmp = sys.argv[2:5]
        out = recbole_worker(what, tmp) if kind == "recbole" else peer_worker(what, tmp)
        print(json.dumps(out))
    else:
        main()
