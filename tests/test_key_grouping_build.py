"""Key 1.0 end to end: a grouping-level REGK100 export (SYNTHETIC amounts, Statistikbanken's code
layout) is imported, built into a workbook, and every settled grouping lands on its step in
TrinData, summed over EJER, with conservation to the krone. Function-level data of another year
stay on the combined steps 23/45 — never two equal halves of one function."""

from __future__ import annotations

from datetime import datetime, timezone

import openpyxl
import pytest

from test_key import SETTLED
from sheet_tables import sheet_table
from trappe_xl import pipeline
from trappe_xl.sources.imports import run_import
from trappe_xl.workbook import layout

KOMMUNER = ("101", "147", "751")
HEAD = "OMRÅDE;FUNKTION;DRANST;EJER;GRUPPERING;ART;PRISENHED;TID;INDHOLD"


def _amount(i: int, k: int, ejer: int) -> int:
    """SYNTHETIC whole 1.000 kr. per grouping row: distinct per grouping, kommune and ejer."""
    return 10 * (i + 1) + 1000 * k + 7 * ejer


def _regk100(year: int) -> tuple[str, dict]:
    """The export text and the expected TrinData netto per (kommune, trin), worked out from
    SETTLED's law-based steps (the key is not consulted)."""
    lines, expected = [HEAD], {}
    for k, kode in enumerate(KOMMUNER):
        for i, (funktion, gruppering, trin, _) in enumerate(SETTLED):
            for ejer in (1, 2):  # DST's REGK100 has no EJER total: the import sums it
                v = _amount(i, k, ejer)
                code = str(int(gruppering)) if k == 1 else gruppering  # "2" and "002" alike
                lines.append(f"{kode};{funktion.replace('.', '')};1;{ejer};{code};TOT;LOBM;{year};{v}")
                expected[(kode, trin)] = expected.get((kode, trin), 0) + v
        lines.append(f"{kode};52821;1;1;999;TOT;LOBM;{year};{5 + k}")  # content unknown
        expected[(kode, 0)] = 5 + k
    return "\n".join(lines) + "\n", expected


def _regk31(year: int, kommuner=KOMMUNER) -> str:
    lines = ["OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"]
    for k, kode in enumerate(kommuner):
        lines += [f"{kode};52821;1;TOT;LOBM;{year};{300 + k}", f"{kode};52822;1;TOT;LOBM;{year};{200 + k}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grouping")
    (tmp / "in").mkdir()
    text19, exp19 = _regk100(2019)
    (tmp / "in" / "regk100_2019.csv").write_text(text19, encoding="utf-8")
    (tmp / "in" / "regk31_2020.csv").write_text(_regk31(2020), encoding="utf-8")
    # Odense has only function-level data for 2019, the year the others have groupings for
    (tmp / "in" / "regk31_2019.csv").write_text(_regk31(2019, ("461",)), encoding="utf-8")
    snap = run_import(tmp / "data", sorted((tmp / "in").iterdir()), out=lambda s: None,
                      now=lambda: datetime(2026, 12, 4, tzinfo=timezone.utc))
    out = pipeline.build(tmp / "data", snapshot=snap, out=tmp / "g.xlsx", say=lambda s: None)
    wb = openpyxl.load_workbook(out, read_only=True, data_only=True)
    td = sheet_table(list(wb[layout.TRINDATA].values), "TrinData")
    kontrol = list(wb[layout.KONTROL].values)
    regnskab = sheet_table(list(wb[layout.REGNSKAB].values), "Regnskab")
    return td, exp19, kontrol, regnskab


def _netto(td, aar):
    out = {}
    for r in td:
        if r["aar"] == aar and r["maal"] == "netto":
            key = (r["kommunekode"], int(r["trin"]))
            out[key] = out.get(key, 0) + r["beloeb_1000kr"]
    return out


def test_every_settled_grouping_lands_on_its_step_summed_over_ejer(built):
    td, expected, _, _ = built
    got = {k: v for k, v in _netto(td, 2019).items() if k[0] != "461"}
    assert got == pytest.approx(expected)


def test_function_level_year_stays_on_combined_steps(built):
    td, _, _, _ = built
    got = _netto(td, 2020)
    assert {t for _, t in got} == {23, 45}
    assert got[("147", 23)] == 301 and got[("147", 45)] == 201
    # no kommune-year shows two steps that are equal halves of one function
    for kode in KOMMUNER:
        for a, b in ((2, 3), (4, 5)):
            assert (kode, a) not in got and (kode, b) not in got


def test_conservation_to_the_krone_in_the_workbook(built):
    _, _, kontrol, _ = built
    rows = sheet_table(kontrol, "Kontrol")
    assert rows and all(r["ok"] in (True, 1, "ja", "JA", "OK") for r in rows)
    assert all(abs(r["forskel"]) < 1e-9 for r in rows)


def test_function_level_is_split_by_the_same_years_groupings_with_the_basis_on_the_row(built):
    td, expected, _, regnskab = built
    got = _netto(td, 2019)
    # the groupings of all municipalities with grouping data in 2019 (by the law-based steps)
    g21 = {t: sum(v for (k, tt), v in expected.items() if tt == t) for t in (2, 3)}
    g21[0] = sum(v for (k, tt), v in expected.items() if tt == 0)
    total = sum(g21.values())
    assert got[("461", 2)] == pytest.approx(300 * g21[2] / total)
    assert got[("461", 3)] == pytest.approx(300 * g21[3] / total)
    assert ("461", 23) not in got and ("461", 45) not in got
    rows = [r for r in regnskab if r["kommunekode"] == "461" and r["aar"] == 2019]
    assert rows and all(r["andel_grundlag"] == "delt efter alle kommuners grupperinger i data 2019"
                        for r in rows)
    assert sum(r["netto_beloeb_1000kr"] for r in rows) == pytest.approx(300 + 200)
