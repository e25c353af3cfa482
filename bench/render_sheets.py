"""Render a built workbook as a user sees it on paper: LibreOffice prints every sheet to one PDF,
pdftoppm turns the first pages of each sheet into PNGs, to look at.

    python bench/render_sheets.py WORKBOOK.xlsx OUTDIR [--pages 2] [--dpi 70]

Prints one line per sheet: its pages in the PDF and the PNGs written. The sheet a page belongs to
is found from the text LibreOffice prints (the first-page marker of each sheet, in sheet order).
Also used by tests/test_workbook_render.py.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from lo import convert  # noqa: E402
from trappe_xl.workbook import layout  # noqa: E402

#: text on the first printed page of each visible sheet (sheet order = layout.SHEETS)
FIRST_PAGE = {layout.FORSIDE: "Sådan kommer du i gang", layout.ANALYSE: "Indsatstrappens Udgiftsmodel – analyse",
              layout.VEJLEDNING: "Indtastning", layout.BOERN_KRONER: "Børn og kroner pr. barn",
              layout.TRINDATA: "Trintabel",
              layout.LANDSTAL: "Hele landet: Danmarks Statistiks", layout.REGNSKAB: "Regnskabsrækker",
              layout.NOEGLE: "Oversættelsesnøgle", layout.KOMMUNER: "områdekoder, regioner, kommunegrupper",
              layout.BEFOLKNING: "Befolkning 1. januar", layout.BOERN: "Børn i indsatsen pr. kommune",
              layout.PRISINDEKS: "Prisindeks",
              layout.KONTROL: "Kontrol: kildetotal", layout.OM_DATA: "Snapshot: ",
              layout.RETTELSER: "Rettelser og ændringslog"}


def to_pdf(book: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) mangler: apt-get install libreoffice-calc")
    [pdf] = convert([book], outdir, soffice, "pdf")
    return pdf


def page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def sheet_pages(texts: list[str]) -> dict[str, list[int]]:
    """{sheet: [1-based page numbers]}, walking the sheets in order."""
    order = [s for s in layout.SHEETS if s in FIRST_PAGE]
    out: dict[str, list[int]] = {}
    k = -1
    for i, text in enumerate(texts, start=1):
        for j in range(k + 1, len(order)):
            if FIRST_PAGE[order[j]] in text:
                k = j
                break
        if k >= 0:
            out.setdefault(order[k], []).append(i)
    return out


def render(book: Path, outdir: Path, pages: int = 2, dpi: int = 70) -> dict[str, list[Path]]:
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = to_pdf(book, outdir)
    found = sheet_pages(page_texts(pdf))
    pngs: dict[str, list[Path]] = {}
    for sheet, nums in found.items():
        stem = outdir / sheet.replace(" ", "_")
        for n in nums[:pages]:
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(n), "-l", str(n),
                            "-singlefile", str(pdf), f"{stem}-{n:04d}"], check=True)
            pngs.setdefault(sheet, []).append(Path(f"{stem}-{n:04d}.png"))
    return pngs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--pages", type=int, default=2, help="pages per sheet to turn into PNG")
    ap.add_argument("--dpi", type=int, default=70)
    a = ap.parse_args()
    found = render(a.workbook, a.outdir, a.pages, a.dpi)
    for sheet, files in found.items():
        print(f"{sheet}: {', '.join(p.name for p in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
