"""Render: the dashboard page printed by LibreOffice to PDF -> PNG is not blank."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from lo import convert
from wb_fixtures import synthetic_bookdata
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook

pytestmark = pytest.mark.libreoffice
PAGE2 = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"2"}}'  # Forside is page 1


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
