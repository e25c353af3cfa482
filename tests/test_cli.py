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


ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "default:", "error:")


@pytest.mark.parametrize("argv", [[], ["fetch"], ["import"], ["build"], ["check"]])
def test_help_is_danish(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("brug: trappe-xl") and "tilvalg:" in out and "vis denne hjælp" in out
    assert not [w for w in ENGLISH if w in out], out


@pytest.mark.parametrize("name", ["x.csv", "x.xls", "x.xlsm", "x"])
def test_out_with_another_extension_is_refused_in_danish(name, tmp_path, capsys, monkeypatch):
    called = []
    monkeypatch.setitem(cli.COMMANDS, "build", lambda args: called.append(args) or 0)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["build", "--out", str(tmp_path / name)])
    assert exit_.value.code == 2 and not called and not list(tmp_path.iterdir())
    err = capsys.readouterr().err
    assert "fejl: argument --out" in err
    assert "projektmappen skrives altid som .xlsx" in err


def test_out_xlsx_accepted_case_insensitive(tmp_path):
    args = cli._parser().parse_args(["build", "--out", str(tmp_path / "Mappe.XLSX")])
    assert args.out == tmp_path / "Mappe.XLSX"


def test_argparse_errors_in_danish(capsys):
    with pytest.raises(SystemExit):
        cli.main(["import"])
    err = capsys.readouterr().err
    assert "fejl: disse argumenter mangler: FIL" in err and "error" not in err
