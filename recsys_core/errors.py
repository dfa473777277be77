"""One error type for everything a user can get wrong, so every front end shows one line, never a traceback.

A message names the file (or input), the problem and the fix, e.g.
    ratings.csv: cannot tell which column holds the user ids (found: who, what). Fix: pass --columns user=COL.
Where a message names a column role or says how to map one, the core writes a placeholder and each front
end words it (`Wording`): {column:ROLE} ("the timestamp column"; the Data page: "the Timestamp column"),
{choose:FORM:ROLE,ROLE} (the CLI: "pass --columns user=COL,item=COL"; the page: "choose the User and
Item columns in the upload form") and {unset:FORM:ROLE}; FORM is "ratings" or "catalogue". str(e) and
the notices the CLI prints are the CLI's wording; a page calls `e.worded(its_wording)` and `phrase()`.
"""
import re


class Wording:
    """How a front end names a column role and says how to map roles; this one is the command line's."""

    FLAGS = {"ratings": "--columns", "catalogue": "--item-columns"}

    def column(self, role: str) -> str:
        return f"the {role} column"

    def choose(self, form: str, roles: list[str]) -> str:
        return f"pass {self.FLAGS[form]} " + ",".join(f"{r}=COL" for r in roles)

    def unset(self, form: str, role: str) -> str:
        return f"pass {self.FLAGS[form]} {role}= (empty) to leave it out"


CLI = Wording()
_PLACE = re.compile(r"\{(column|choose|unset):([a-z]+)(?::([a-z,]+))?\}")


def phrase(text: str, wording: Wording = CLI) -> str:
    """`text` with its placeholders worded for one front end (text without any is returned as it is)."""
    def fill(m):
        what, first, rest = m.group(1), m.group(2), m.group(3)
        if what == "column":
            return wording.column(first)
        if rest is None:
            return m.group(0)
        return wording.choose(first, rest.split(",")) if what == "choose" else wording.unset(first, rest)
    return _PLACE.sub(fill, text)


def join_words(parts: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class UserError(Exception):
    """Bad input from a user: a file, a flag, a URL parameter. str(e) is the whole message as the CLI says
    it; `worded(w)` says it in another front end's words (see the module docstring)."""

    def __init__(self, message: str = ""):
        self.template = message
        super().__init__(phrase(message))

    def worded(self, wording: Wording) -> str:
        return phrase(self.template, wording)

    def retold(self, edit) -> "UserError":
        """The same error (type and attributes) with edit(text) applied to its message, e.g. a temp path
        replaced by the file name the user knows."""
        new = type(self).__new__(type(self))  # not __init__: a subclass may take more than the message
        new.__dict__.update(self.__dict__)
        new.template = edit(self.template)
        new.args = (phrase(new.template),)
        return new

    def __reduce__(self):  # pickles (a job's error crossing processes) with its attributes, whatever __init__ takes
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls, args, state):
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


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
