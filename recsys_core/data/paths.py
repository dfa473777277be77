"""Where data lives on disk: the user cache folder and the data directory (an explicit folder, else
$ATTENTION_LENS_DATA, else the cache's datasets/). The registry, the downloader and the dataset store
all ask here."""
import os


def cache_dir() -> str:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "attention-lens")


def data_dir(explicit: str | None = None) -> str:
    return explicit or os.environ.get("ATTENTION_LENS_DATA") or os.path.join(cache_dir(), "datasets")
