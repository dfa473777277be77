"""Unpacking a zip someone hands us (a MovieLens download, an uploaded RecBole or MovieLens export)
without letting it write outside its folder or fill the disk: member names are checked for absolute
paths and '..', the unpacked size is capped, and checksums are tested before anything is extracted.
"""
import os
import zipfile

from ..errors import DataError
from .loaders import detect_format

MAX_UNPACKED = 2_000_000_000  # the largest MovieLens zip we take (ml-1m) unpacks to about 0.2 GB


def check_zip(z: zipfile.ZipFile, shown: str, fix: str, max_unpacked: int = MAX_UNPACKED):
    """Refuse members that would land outside the folder, a zip bomb, and a damaged zip."""
    unsafe = [m for m in z.namelist() if m.startswith(("/", "\\")) or ".." in m.replace("\\", "/").split("/")]
    if unsafe:
        raise DataError(f"{shown}: the zip holds a file that would land outside its folder ({unsafe[0]!r}). Fix: {fix}")
    size = sum(i.file_size for i in z.infolist())
    if size > max_unpacked:
        raise DataError(f"{shown}: the zip would unpack to {size / 1e9:.1f} GB ({max_unpacked / 1e9:.0f} GB at most). "
                        f"Fix: {fix}")
    bad = z.testzip()
    if bad:
        raise DataError(f"{shown}: the zip is damaged ({bad} fails its checksum). Fix: make or download it again.")


def unpack_dataset(zip_path: str, staging: str, shown: str) -> str:
    """Unpack an uploaded zip into `staging`; returns the shallowest folder in it that holds a dataset
    (MovieLens, RecBole or our sample layout), else its only table file, else a DataError."""
    fix = "zip the dataset's folder (MovieLens: u.data / ratings.dat / ratings.csv; RecBole: NAME.inter)."
    try:
        with zipfile.ZipFile(zip_path) as z:
            check_zip(z, shown, fix)
            z.extractall(staging)
    except zipfile.BadZipFile:
        raise DataError(f"{shown}: not a zip file. Fix: upload the .zip itself, or the CSV inside it.") from None
    for folder, dirs, _ in sorted(os.walk(staging), key=lambda w: w[0].count(os.sep)):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__MACOSX"))]
        try:
            detect_format(folder)
            return folder
        except DataError:
            continue
    tables = [os.path.join(f, n) for f, _, names in os.walk(staging) for n in names
              if n.lower().endswith((".csv", ".tsv", ".parquet", ".pq", ".txt")) and not n.startswith(".")]
    if len(tables) == 1:  # a zipped CSV
        return tables[0]
    raise DataError(f"{shown}: the zip holds no dataset folder. Fix: {fix}")
