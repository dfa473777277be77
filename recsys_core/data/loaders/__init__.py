"""Read every dataset format users bring into one `Dataset`, detecting the format from a path.

Formats: our embedded sample; MovieLens 100K (u.data + u.item), 1M (ratings.dat + movies.dat),
latest / latest-small (ratings.csv + movies.csv); SASRec text (`user item` per line, time order);
one line per user (`user item1 item2 …`, time order; S3-Rec, ICLRec and later papers);
RecBole atomic files (name.inter [+ name.item], https://recbole.io/docs/user_guide/data/atomic_files.html);
any CSV / TSV / Parquet / Excel table with a column mapping (given, or guessed from names and values).
Every problem a user can cause becomes a one-line `DataError` naming the file, the problem and the fix.
The package owns one module per format family (`movielens`, `sasrec`, `recbole`, `table`, `excel`), the checks
every loader shares (`checks`), the error-translating read helpers (`reading`) and the dispatch from a
path to its loader (`detect`); this file only re-exports the public names.
"""
from .checks import finish
from .detect import BUILTIN, detect_format, load_path, load_sample
from .movielens import load_ml1m, load_ml100k, load_ml_latest
from .recbole import load_recbole
from .sasrec import load_sasrec, load_user_lines
from .table import (
           ROLES,
           guess_columns,
           load_table,
           read_table_columns,
)

__all__ = ["BUILTIN", "ROLES", "detect_format", "finish", "guess_columns",
           "load_ml100k", "load_ml1m", "load_ml_latest", "load_path", "load_recbole", "load_sample",
           "load_sasrec", "load_table", "load_user_lines", "read_table_columns"]
