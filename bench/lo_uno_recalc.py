"""Time LibreOffice's load and full forced recalculation (doc.calculateAll()) of one workbook.

Run with the system python that has LibreOffice's ``uno`` module:
    /usr/bin/python3 bench/lo_uno_recalc.py book.xlsx [soffice]
Starts its own headless soffice (fresh profile, pipe connection), prints one JSON line
{"load_s": ..., "calculate_all_s": ..., "check": ...} and stops the soffice it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401  (system python only)
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(pipe: str, timeout: float = 60):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    end = time.time() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.time() > end:
                raise
            time.sleep(0.5)


def main(book: str, soffice: str = "soffice") -> dict:
    pipe = f"trappebench{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="lo-uno-") as prof:
        proc = subprocess.Popen([soffice, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless",
                                 "--norestore", "--nologo", "--nodefault",
                                 f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ctx = _connect(pipe)
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            url = Path(book).resolve().as_uri()
            t = time.perf_counter()
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
            load = time.perf_counter() - t
            t = time.perf_counter()
            doc.calculateAll()
            calc = time.perf_counter() - t
            sheet = doc.Sheets.getByName("Beregning")
            check = sheet.getCellRangeByName("B22").getValue()
            doc.close(True)
            try:
                desktop.terminate()
            except Exception:
                pass
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"load_s": round(load, 2), "calculate_all_s": round(calc, 2), "check": check}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
