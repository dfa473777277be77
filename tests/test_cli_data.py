"""The data commands of the CLI, run in-process: listing, stats, and --help on every sub-command."""
import argparse
import json

import pytest

from recsys_core.cli.main import build_parser, main


def subcommands() -> list[str]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_datasets_lists_the_sample_and_a_folder_in_the_data_dir(tmp_path, capsys):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text("1\t10\t5\t100\n")
    (tmp_path / "notes").mkdir()  # an unrecognised folder is left out, not an error
    assert main(["datasets", "--data-dir", str(tmp_path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(a["name"], a["fmt"]) for a in found] == [("sample", "sample"), ("ml-100k", "movielens-100k")]
    assert main(["datasets", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sample" in out and "ml-100k" in out and str(tmp_path) in out


def test_stats_json_on_the_sample(capsys):
    assert main(["stats", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["users"] == 1240 and s["name"] == "sample"


def test_stats_names_a_missing_builtin_and_how_to_get_it(tmp_path, capsys):
    assert main(["stats", "--dataset", "ml-1m", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ml-1m") and "download ml-1m" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")
