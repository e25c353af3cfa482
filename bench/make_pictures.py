"""The README's pictures of the Analyse sheet, from the shipped real snapshot, as LibreOffice
prints them (section A, A4 landscape):

    python bench/make_pictures.py            # writes docs/dashboard.png, docs/dashboard-kommunegruppe.png

- docs/dashboard.png: the workbook `python build.py build` makes (København against DST's own
  Hele landet figure);
- docs/dashboard-kommunegruppe.png: Odense against its DST kommunegruppe (Storbykommuner) — on
  the shipped data, which have no population, the plain (uvægtet) mean of the group's kommuner.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from render_sheets import page_texts, sheet_pages, to_pdf  # noqa: E402
from trappe_xl.key import load_key  # noqa: E402
from trappe_xl.pipeline import load_dataset, prepare  # noqa: E402
from trappe_xl.workbook import layout  # noqa: E402
from trappe_xl.workbook.selection import Selection  # noqa: E402
from trappe_xl.workbook.writer import write_workbook  # noqa: E402

PICTURES = {"dashboard.png": Selection(),
            "dashboard-kommunegruppe.png": Selection(kommune="461", sammenligning="kommunegruppe")}
DPI = 110


def main() -> int:
    data = prepare(load_dataset(REPO / "data", None), load_key())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, sel in PICTURES.items():
            book = write_workbook(data, sel, tmp / name.replace(".png", ".xlsx"))
            pdf = to_pdf(book, tmp / name.replace(".png", ""))
            page = sheet_pages(page_texts(pdf))[layout.ANALYSE][1]     # section A
            stem = tmp / name.replace(".png", "")
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page),
                            "-singlefile", str(pdf), str(stem)], check=True)
            shutil.copy(stem.with_suffix(".png"), REPO / "docs" / name)
            print(f"docs/{name}: Analyse side {page} ({sel})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
