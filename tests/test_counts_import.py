"""The offline path for the counts: ANBAAR12 and ISBU02 downloaded by hand from Statistikbanken and
imported (`python build.py import`), onto accounts fetched from the stand-in without them. Files in
DST's export shapes (labels, a title line, wide years), SYNTHETIC figures from the stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from statbank_fake import MEASURES, PLACES, FakeStatbank, count_value, expected_children
from trappe_xl.errors import DuplicateRowsError, ParseError, UnknownAreaError
from trappe_xl.reference import kommune_by_code
from trappe_xl.sources.counts_export import parse_counts_export
from trappe_xl.sources.fetch import run_fetch

REPO = Path(__file__).resolve().parents[1]
K = kommune_by_code()


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def anbaar12_long(path: Path, years) -> Path:
    """Labels, one row per kommune × place × year (Statistikbanken's 'kolonneformat')."""
    rows = ["Administrationskommune;Anbringelsessted;Tid;Indhold"]
    rows += [f"{k.navn};{text};{y};{count_value('ANBAAR12', code, p, str(y))}"
             for code, k in K.items() for p, text in PLACES.items() for y in years]
    return _csv(path, rows + ["Uoplyst kommune;Netværksplejefamilie;2023;3"])


def isbu02_wide(path: Path, years) -> Path:
    """A title line, then the years across (Statistikbanken's default table layout)."""
    rows = ["Børn og unge der modtager indsatser og støtte efter kommune, indsats og tid",
            ";;" + ";".join(map(str, years))]
    rows += [f"{k.navn};{text};" + ";".join(str(count_value("ISBU02", code, m, str(y))) for y in years)
             for code, k in K.items() for m, text in MEASURES.items()]
    return _csv(path, rows)


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRAPPE_STATBANK_URL"}
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True,
                          timeout=600, env=env)


def test_hand_downloaded_counts_give_kr_per_child_as_the_live_path(tmp_path):
    data = tmp_path / "data"
    run_fetch(data, (2023, 2024), client=FakeStatbank(quirks={"no_counts"}, years=(2023, 2024)).client(),
              out=lambda s: None, now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    a = anbaar12_long(tmp_path / "anbragte.csv", (2022, 2023, 2024))
    i = isbu02_wide(tmp_path / "indsatser.csv", (2023, 2024))
    r = cli("import", str(a), str(i), "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    assert "ANBAAR12 2022: tilføjet" in r.stdout and "ISBU02 2024: tilføjet" in r.stdout
    assert "Det nye snapshot beholder" in r.stdout         # the fetched accounts are kept
    out = tmp_path / "b.xlsx"
    b = cli("build", "--data-dir", str(data), "--out", str(out))
    assert b.returncode == 0, b.stderr
    from trappe_xl.udf import answers
    from trappe_xl.udf.book import TrappeBook
    from trappe_xl.udf.tables import read_tables
    book = TrappeBook(read_tables(out))
    for kode in ("101", "461", "825"):
        for y in (2023, 2024):
            for t in (2, 3, 4, 5, 6):
                netto = answers.trappe_step(book, kode, y, t, "netto")
                got = answers.trappe_step(book, kode, y, t, "netto", "pr. barn i indsatsen")
                assert got == pytest.approx(netto / expected_children(y, kode, t) * 1000.0, rel=1e-12)


def test_a_measure_without_its_text_a_twice_given_figure_and_an_unknown_area_are_refused(tmp_path):
    codes_only = _csv(tmp_path / "isbu02.csv", ["KOMMUNEDK;INDSATSER;TID;INDHOLD", "101;110;2023;4"])
    with pytest.raises(ParseError, match="indsats"):
        parse_counts_export(codes_only.read_bytes(), codes_only.name)
    twice = _csv(tmp_path / "anbaar12.csv", ["Administrationskommune;Anbringelsessted;Tid;Indhold",
                                              "København;Netværksplejefamilie;2023;4",
                                              "København;1;2023;5"])
    with pytest.raises(DuplicateRowsError, match="række 2 og 3"):
        parse_counts_export(twice.read_bytes(), twice.name)
    unknown = _csv(tmp_path / "ANBAAR12-x.csv", ["Administrationskommune;Anbringelsessted;Tid;Indhold",
                                                 "København;Netværksplejefamilie;2023;4",
                                                 "Atlantis;Netværksplejefamilie;2023;1"])
    with pytest.raises(UnknownAreaError, match="Atlantis"):
        parse_counts_export(unknown.read_bytes(), unknown.name)
    negative = _csv(tmp_path / "ANBAAR12-n.csv", ["Administrationskommune;Anbringelsessted;Tid;Indhold",
                                                  "København;Netværksplejefamilie;2023;-4"])
    with pytest.raises(ParseError, match="negativt"):
        parse_counts_export(negative.read_bytes(), negative.name)
