"""CLI: import-model, a model trained by another library converted into our checkpoint (see recsys_core.imports)."""
import os
import sys
import tempfile


def cmd_import(args):
    from ..imports import import_model, save_imported
    imported = import_model(args.checkpoint, args.dataset, fmt=args.format, name=args.name, id_map=args.id_map,
                            args_path=args.args_file, max_len=args.max_len, data_dir=args.data_dir,
                            evaluate_it=not args.no_evaluate)
    for n in imported.notices:
        print(f"notice: {n}", file=sys.stderr)
    meta = imported.meta
    src = meta.model_config.source
    print(f"imported {src.library} {src.model} from {src.file} as {meta.model_name} ({meta.arch}) for "
          f"{meta.dataset.name}: {meta.dataset.items:,} items; ids: {src.id_map}", file=sys.stderr)
    for proto, m in meta.metrics.items():
        print(f"{proto:<8} " + "  ".join(f"{k} {v:.4f}" for k, v in m.items() if k.endswith("@10")))
    if args.out:
        path = save_imported(imported, args.out)
    else:
        from ..store.library import save_to_library
        with tempfile.TemporaryDirectory(prefix="attention-lens-import-") as tmp:
            save_imported(imported, tmp)
            entry = save_to_library(tmp, meta.model_name, meta.dataset.name, label=f"imported from {src.library}")
        path = entry.path
    print(os.path.dirname(path))


def register(sub):
    from ..imports import FORMATS
    p = sub.add_parser("import-model", help="convert a model trained with RecBole, SASRec.pytorch or TorchScript "
                                            "into an Attention Lens checkpoint, without running code from the file")
    p.add_argument("checkpoint", help="RecBole's saved/<Model>-<date>.pth, SASRec.pytorch's SASRec.epoch=...pth, "
                                      "or a TorchScript archive (torch.jit.save)")
    p.add_argument("--dataset", required=True, help="the dataset it was trained on: sample, ml-100k, a stored "
                                                    "dataset's id or name, or a PATH (e.g. RecBole's .inter file)")
    p.add_argument("--format", default="auto", choices=FORMATS, help="default: detected from the file")
    p.add_argument("--name", default=None, help="the name it gets in the library (default: the family's name)")
    p.add_argument("--out", default=None, help="write model.pt and metrics.json into this folder "
                                               "(default: save it into the model library)")
    p.add_argument("--id-map", default=None, metavar="FILE",
                   help="the dataset's item id of the model's item number 1, 2, ... one per line (or a JSON list); "
                        "required for TorchScript, optional for RecBole (default: its numbering, rebuilt from the "
                        "dataset's .inter file)")
    p.add_argument("--args-file", default=None, metavar="FILE",
                   help="SASRec.pytorch's args.txt (default: the one beside the checkpoint)")
    p.add_argument("--max-len", type=int, default=50,
                   help="TorchScript: the history length (columns) its forward takes (default 50)")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--no-evaluate", action="store_true", help="skip evaluating it on the test split")
    p.set_defaults(func=cmd_import)
