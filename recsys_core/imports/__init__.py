"""Imports: models trained by other libraries, converted once into our own checkpoints.

    python -m recsys_core import-model CHECKPOINT --dataset DATASET [--format auto|recbole|sasrec-pytorch|torchscript]

A foreign file is read without running anything from it (safe_pickle: an allow-list unpickler for
RecBole's pickles; TorchScript archives checked before they are opened), matched to the dataset's
items (its item table must have a row for every item plus padding; ids.py for an explicit id map),
and turned into a model of the family that reproduces the library's forward pass (models/recbole.py,
models/sasrec_pytorch.py, models/torchscript.py). The checkpoint written is ours: tensors and JSON
only, loading with weights_only=True, its metadata naming the source library, model and settings.
"""
from .convert import FORMATS, Imported, import_model, read_foreign, save_imported

__all__ = ["FORMATS", "Imported", "import_model", "read_foreign", "save_imported"]
