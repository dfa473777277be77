"""Command line: everything the app does, callable as `python -m recsys_core COMMAND`.

Every command has --help. User errors print one line to stderr and exit 2; never a traceback.
"""
import argparse
import sys

from ..errors import SettingError, UserError
from . import claims_commands, data_commands, explain_commands, import_commands, model_commands


def flag(field: str) -> str:
    """The CLI's name for a config field: max_len -> --max-len."""
    return "--" + field.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m recsys_core",
                                 description="Attention Lens core: datasets, training, evaluation and explanations.")
    sub = ap.add_subparsers(dest="command", required=True)

    data_commands.register(sub)
    model_commands.register(sub)
    explain_commands.register(sub)
    claims_commands.register(sub)
    import_commands.register(sub)
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)  # a command may return its own exit status (check-claims: 1 on a contradiction)
    except SettingError as e:  # the core names the config field; say it as the flag to change
        print(f"error: {e.phrased(flag)}", file=sys.stderr)
        return 2
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0
