"""One error type for everything a user can get wrong, so every front end shows one line, never a traceback.

A message names the file (or input), the problem and the fix, e.g.
    ratings.csv: no column 'userId' (found: user, movie, stars). Fix: pass --columns user=user,item=movie.
"""
import re


class UserError(Exception):
    """Bad input from a user: a file, a flag, a URL parameter. str(e) is the whole message."""


class DataError(UserError):
    """A data file that cannot be read as a dataset."""


class CheckpointError(UserError):
    """A file that is not a usable checkpoint for this dataset."""


class Cancelled(Exception):
    """Training was cancelled from another thread; not an error."""


class SettingError(UserError):
    """A model or training setting out of range, named by its config field so each front end can
    phrase it its own way: the CLI as `--heads`, the app's form as "Heads". str(e) uses the field
    names themselves; `phrased(names)` substitutes a front end's names for the field and for any
    other setting the message mentions (written {field} in `problem` and `fix`)."""

    def __init__(self, field: str, value, problem: str, fix: str):
        self.field, self.value, self.problem, self.fix = field, value, problem, fix
        super().__init__(self.phrased({}))

    def phrased(self, names) -> str:
        """names: a front end's name for each field, as a dict (unlisted fields keep their own) or a function."""
        name = names if callable(names) else (lambda f: names.get(f, f))

        def fill(text):
            for key in re.findall(r"\{([a-z_]+)\}", text):
                text = text.replace("{" + key + "}", name(key))
            return text
        return f"{name(self.field)} {self.value}: {fill(self.problem)}. Fix: {fill(self.fix)}."



def check_number(field: str, value, *, low=None, high=None, low_open=False, high_open=False,
                 integer=False, optional=False, fix: str = ""):
    """Raise SettingError unless `value` is a finite number in the range (None passes if optional).
    Booleans are refused where a number is expected; NaN and infinity always are."""
    if value is None:
        if optional:
            return
        raise SettingError(field, value, "is required", fix or f"give {{{field}}} a value")
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not numeric or (integer and not float(value).is_integer()):
        raise SettingError(field, repr(value), f"is not {'a whole number' if integer else 'a number'}",
                           fix or f"give {{{field}}} a {'whole ' if integer else ''}number")
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingError(field, value, "is not a finite number", fix or f"give {{{field}}} a finite value")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        lo = "" if low is None else f"{'above' if low_open else 'at least'} {low:g}"
        hi = "" if high is None else f"{'below' if high_open else 'at most'} {high:g}"
        want = " and ".join(x for x in (lo, hi) if x)
        raise SettingError(field, value, f"must be {want}", fix or f"use a value {want}")
