"""Render: every sheet printed by LibreOffice to PDF -> PNG (bench/render_sheets.py), as a user
would print it: Analyse one page per section with its title and selection on each, the text
sheets readable and not cut, no page blank."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lo import convert
from wb_fixtures import synthetic_bookdata
from trappe_xl.workbook import layout
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import render_sheets  # noqa: E402

pytestmark = pytest.mark.libreoffice
PAGE2 = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"2"}}'  # Forside is page 1
REAL = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"


def test_dashboard_page_renders(tmp_path, soffice):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm missing: apt-get install poppler-utils")
    book = write_workbook(synthetic_bookdata(), Selection(sammenligning="region"), tmp_path / "b.xlsx")
    [pdf] = convert([book], tmp_path / "pdf", soffice, PAGE2)
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "dash")], check=True)
    [pgm] = list(tmp_path.glob("dash*.pgm"))
    pixels = _pgm_pixels(pgm.read_bytes())
    non_white = sum(p < 200 for p in pixels) / len(pixels)
    assert non_white > 0.02, f"dashboard page looks blank ({non_white:.3%} ink)"


def test_every_sheet_prints_readably(tmp_path, soffice):
    from trappe_xl.key import load_key
    from trappe_xl.pipeline import prepare
    from trappe_xl.sources.load import load_snapshot
    data = prepare(load_snapshot(REAL), load_key())
    book = write_workbook(data, Selection(kommune="461"), tmp_path / "real.xlsx")
    pdf = render_sheets.to_pdf(book, tmp_path / "pdf")
    texts = render_sheets.page_texts(pdf)
    pages = render_sheets.sheet_pages(texts)
    visible = [s for s in layout.SHEETS if s in render_sheets.FIRST_PAGE]
    assert list(pages) == visible
    analyse = [texts[i - 1] for i in pages[layout.ANALYSE]]
    # inputs, A, B, C, D: one page each, every page with title, selection and source (no
    # population: the comparisons are the uvægtet mean, so no separate block for it)
    assert len(analyse) == 5
    for text in analyse:
        assert "Indsatstrappens Udgiftsmodel – analyse" in text
        assert "Valg: Odense sammenlignet med" in text and "data 2016-2024" in text
        assert "Kilde: Danmarks Statistik" in text
    # the inputs read whole (before: "kr. pr. in", "Løbende p"), the own group is on the page
    inputs = " ".join(analyse[0].split())
    for shown in ("kr. pr. indbygger", "Løbende priser", "Med refusion", "Egen gruppe", "Odense"):
        assert shown in inputs, shown
    for i, head in enumerate(("A) Udvikling", "B) Fordeling", "C) Merudgift", "D) Trappen"),
                             start=1):
        assert head in analyse[i]
    for sheet in (layout.VEJLEDNING, layout.OM_DATA, layout.RETTELSER):
        assert len(pages[sheet]) <= 2, sheet
    om = " ".join(texts[pages[layout.OM_DATA][0] - 1].split())
    assert "ukendtEnhed" not in om and om.count("taget fra filnavnet") == 1
    # the printed text sheets are not cut: the last words of the long Vejledning lines are there
    vejledning = " ".join(" ".join(texts[i - 1] for i in pages[layout.VEJLEDNING]).split())
    assert "ikke et gennemsnit af kommunerne." in vejledning
    png = render_sheets.render(book, tmp_path / "png", pages=1, dpi=30)
    for sheet, files in png.items():
        assert files and all(f.stat().st_size > 0 for f in files)
        raw = subprocess.run(["pdftoppm", "-gray", "-r", "20", "-f", str(pages[sheet][0]), "-l",
                              str(pages[sheet][0]), str(pdf)], capture_output=True).stdout
        pixels = _pgm_pixels(raw)
        assert sum(p < 200 for p in pixels) / len(pixels) > 0.001, f"{sheet} prints blank"


def _pgm_pixels(raw: bytes) -> bytes:
    """Pixel bytes of a binary PGM (P5) as pdftoppm -gray writes it."""
    parts, pos = [], 0
    while len(parts) < 4:
        while raw[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not raw[end:end + 1].isspace():
            end += 1
        parts.append(raw[pos:end])
        pos = end
    assert parts[0] == b"P5"
    return raw[pos + 1:]
