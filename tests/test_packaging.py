"""The templates live in the top-level templates/ folder; a checkout and an installed wheel find
them (pyproject maps the package trappe_xl.templates to that folder)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from trappe_xl.workbook import text

REPO = Path(__file__).resolve().parents[1]


def test_templates_are_top_level_and_read_from_the_checkout():
    assert not (REPO / "trappe_xl" / "templates").exists()
    names = {p.stem for p in (REPO / "templates").glob("*.j2")}
    assert names == {"forside", "om_data", "rettelser", "vejledning"}
    assert Path(str(text.template_dir())) == REPO / "templates"
    assert text.render("rettelser", built="2026-01-01", snapshot="s", key_version="k")[0] \
        == "# Rettelser og ændringslog"


def test_pyproject_installs_every_package_and_the_templates():
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(REPO).parts)
             for p in (REPO / "trappe_xl").rglob("__init__.py")}
    assert found | {"trappe_xl.templates"} == set(cfg["packages"])
    assert cfg["package-dir"] == {"trappe_xl.templates": "templates"}
    assert cfg["package-data"]["trappe_xl.templates"] == ["*.j2"]


def test_ci_runs_the_readmes_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    blocks = readme.split("```sh\n")[1:]
    commands = [b.split("```")[0].strip() for b in blocks]
    test_cmd = next(c for c in commands if "pytest" in c)
    assert test_cmd in ci
    assert "python3 -m venv .venv" in readme   # a fresh Debian/Ubuntu machine has no `python`
