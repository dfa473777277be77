"""One error type for everything a user can get wrong, so every front end shows one line, never a traceback.

A message names the file (or input), the problem and the fix, e.g.
    ratings.csv: no column 'userId' (found: user, movie, stars). Fix: pass --columns user=user,item=movie.
"""


class UserError(Exception):
    """Bad input from a user: a file, a flag, a URL parameter. str(e) is the whole message."""


class DataError(UserError):
    """A data file that cannot be read as a dataset."""


class CheckpointError(UserError):
    """A file that is not a usable checkpoint for this dataset."""


class Cancelled(Exception):
    """Training was cancelled from another thread; not an error."""
