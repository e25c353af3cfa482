"""LibreOffice harness: recalculate workbooks headless with forced recalculation, read values back.

``recalc(paths, outdir, soffice)`` converts every file in one soffice call (one soffice at a time,
fresh profile with OOXMLRecalcMode=0 = "always recalculate on load"); ``cell_values(path, sheet)``
returns {"A1": value} of one sheet (python-calamine; empty cells left out).
LibreOffice output is only ever read, never shipped.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from python_calamine import CalamineWorkbook

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _profile(root: Path) -> Path:
    (root / "user").mkdir(parents=True, exist_ok=True)
    (root / "user" / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")
    return root


def convert(paths: list[Path], outdir: Path, soffice: str, target: str = "xlsx",
            timeout: float = 300) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        profile = _profile(Path(prof))
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(outdir), *map(str, paths)]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = target.split(":")[0]
    outs = [outdir / (Path(p).stem + "." + ext) for p in paths]
    missing = [o for o in outs if not o.is_file()]
    if res.returncode != 0 or missing:
        raise RuntimeError(f"soffice failed ({res.returncode}): {res.stderr[-2000:]} missing={missing}")
    return outs


def recalc(paths: list[Path], outdir: Path, soffice: str) -> list[Path]:
    """Recalculated copies of ``paths`` in ``outdir`` (same file names)."""
    return convert(list(paths), Path(outdir), soffice, "xlsx")


def _a1(row: int, col: int) -> str:
    out, col = "", col + 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return f"{out}{row + 1}"


def cell_values(path: Path, sheet: str) -> dict[str, object]:
    """{"B3": value} for every non-empty cell of ``sheet`` (numbers as float, errors as text)."""
    wb = CalamineWorkbook.from_path(str(path))
    ws = wb.get_sheet_by_name(sheet)
    rows = ws.to_python(skip_empty_area=False)
    out = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v != "" and v is not None:
                out[_a1(r, c)] = v
    return out
