"""The command line: argument handling and error reporting (the work itself is tested per layer)."""

import argparse

import pytest

from trappe_xl import cli
from trappe_xl.errors import SnapshotError


def test_data_dir_before_or_after_subcommand(tmp_path):
    p = cli._parser()
    assert p.parse_args(["--data-dir", str(tmp_path), "build"]).data_dir == tmp_path
    assert p.parse_args(["build", "--data-dir", str(tmp_path)]).data_dir == tmp_path


def test_years_parse_and_reject():
    assert cli._years("2007-2024") == (2007, 2024)
    assert cli._years("2019") == (2019, 2019)
    for bad in ("2024-2007", "1999-2005", "abc"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli._years(bad)


def test_named_error_becomes_exit_code_2_and_a_message(monkeypatch, capsys):
    def boom(args):
        raise SnapshotError("ingen snapshot i data/")

    monkeypatch.setitem(cli.COMMANDS, "build", boom)
    assert cli.main(["build"]) == 2
    err = capsys.readouterr().err
    assert "SnapshotError" in err and "ingen snapshot i data/" in err
