"""Imported models against their own libraries' recorded outputs (tests/data/imported, made by
scripts/record_imports.py): per checkpoint, the largest score difference over every item for the
recorded users, how many users' top-10 is identical, the largest attention-row difference, the test
metrics of `import-model` beside the ones the library reported, and how long the import took.

    python bench/bench_imports.py
"""
import sys
import time

from common import REPO, table, write_json

sys.path.insert(0, str(REPO / "tests"))
from imported_records import FIXTURES, agreement, recbole_protocol, records  # noqa: E402

from recsys_core.imports import import_model  # noqa: E402


def main():
    rows = []
    for name, rec in sorted(records().items()):
        start = time.perf_counter()
        imp = import_model(str(FIXTURES / rec["file"]), "sample")
        seconds = time.perf_counter() - start
        a = agreement(imp, rec)
        ours = imp.meta.metrics["full"]
        theirs = rec.get("test", {})
        rule = recbole_protocol(imp) if theirs else {}
        rows.append({"model": name, "library": rec["library"], "users": a.users,
                     "max_score_diff": f"{a.max_score_diff:.1e}", "top10_identical": f"{a.top10_identical}/{a.users}",
                     "max_attention_diff": None if a.max_attention_diff is None else f"{a.max_attention_diff:.1e}",
                     "ndcg@10_full": round(ours["ndcg@10"], 4), "ndcg@10_recbole_rule": round(rule["ndcg@10"], 4) if rule else None,
                     "library_ndcg@10": theirs.get("ndcg@10"), "hit@10_recbole_rule": round(rule["hit@10"], 4) if rule else None,
                     "library_hit@10": theirs.get("hit@10"), "import_s": round(seconds, 2)})
    table(rows, list(rows[0]))
    print(f"wrote {write_json('imports', {'rows': rows})}")


if __name__ == "__main__":
    main()
