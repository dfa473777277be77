"""How the app's pages word the core's messages about columns (recsys_core.errors.Wording): by the
labels of the Data page's upload form ("the Timestamp column"), never by command-line flags."""
from recsys_core.errors import Wording, join_words


def label(role: str) -> str:
    """A role's label in the upload form: "User", "Timestamp"."""
    return role.capitalize()


class FormWording(Wording):
    def column(self, role: str) -> str:
        return f"the {label(role)} column"

    def choose(self, form: str, roles: list[str]) -> str:
        named = f"the {join_words([label(r) for r in roles])} column" + ("s" if len(roles) > 1 else "")
        where = "of the catalogue " if form == "catalogue" else ""
        return f"choose {named} {where}in the upload form"

    def unset(self, form: str, role: str) -> str:
        return f"set {label(role)} to “—” in the upload form"


FORM = FormWording()
