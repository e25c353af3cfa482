"""Reliability: what a careless or unlucky user can do to ``import``, ``build`` and ``check``.

Every case asserts its outcome AND that no published snapshot changed (the bytes of every file
under ``data/snapshots``), and that nothing temporary is left behind:

- 60+ bad inputs (files, manifests, paths): each ends in ONE Danish line on stderr and exit code 2,
  never a traceback, and nothing is published or written;
- kill -9 at every fsync/rename of an import and a build and at random moments: no half snapshot
  or workbook is ever visible, the previous ones are untouched, and the next run removes the
  temporary files the killed run left;
- concurrent imports and builds: every run that says it wrote something wrote exactly that; the
  others refuse with one line;
- memory: no file of any shape makes an import use more than about 2 GB.

Subprocesses are local Python processes in temporary folders, each with a timeout.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from trappe_xl import cli
from trappe_xl.pipeline import workbook_snapshot
from trappe_xl.sources.load import load_snapshot
from trappe_xl.sources.snapshot import list_snapshots, read_manifest
from trappe_xl.workbook import layout

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data"
SHIPPED_NAME = "2026-11-24T042710Z_import"
TIMEOUT = 120
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("TRAPPE_DEBUG", None)


# -- helpers ---------------------------------------------------------------------------------------

def tree(data_dir: Path) -> dict[str, str]:
    """sha256 of every file of every published snapshot (relative path -> hash)."""
    root = data_dir / "snapshots"
    out = {}
    for snap in list_snapshots(data_dir):
        for f in sorted(snap.rglob("*")):
            if f.is_file():
                out[str(f.relative_to(root))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def leftovers(*folders: Path) -> list[str]:
    """Temporary files or folders of this project left in ``folders``."""
    found = []
    for d in folders:
        if d.is_dir():
            found += [p.name for p in d.iterdir() if p.name.startswith(".")]
    return found


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(SHIPPED / "snapshots", d / "snapshots")
    return d


@pytest.fixture(scope="module")
def real(shared_data) -> Path:
    return shared_data / "regk31-extract" / "as-published"


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def assert_refused(argv, pattern, data_dir: Path, capsys, *, also_unchanged: tuple[Path, ...] = ()):
    """The command ends with exit 2 and one Danish 'fejl' line matching ``pattern``; no snapshot
    changed, none was added, and nothing temporary was left."""
    import re
    before = tree(data_dir)
    names = [p.name for p in list_snapshots(data_dir)]
    others = {p: (p.read_bytes() if p.is_file() else None) for p in also_unchanged}
    code, out, err = run_main(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("fejl"), err
    assert "Traceback" not in err + out
    assert re.search(pattern, lines[0]), (pattern, lines[0])
    assert tree(data_dir) == before
    assert [p.name for p in list_snapshots(data_dir)] == names
    assert leftovers(data_dir / "snapshots") == []
    for p, content in others.items():
        assert (p.read_bytes() if p.is_file() else None) == content
    return lines[0]


def xlsx(rows: list[tuple[int, int, list]], formula: tuple | None = None) -> bytes:
    """An XLSX with ``rows``; ``formula`` = (row, col, text, cached result) adds a formula cell
    whose stored result is ``cached`` (as a tool that does not calculate writes it)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, c, values in rows:
        ws.write_row(r, c, values)
    if formula:
        ws.write_formula(*formula[:3], None, formula[3])
    wb.close()
    return buf.getvalue()


HEADER = ["Område", "Funktion", "Art", "Prisenhed", "Tid", "Indhold"]
ROW = ["København", "5.28.21 Rådgivning", "I alt (netto)", "1.000 kr., løbende priser", "2019"]


def bomb(size: int, *, lie: bool = False) -> bytes:
    """A small valid-looking XLSX whose sheet XML unpacks to ``size`` bytes of blanks; ``lie``
    writes a tiny uncompressed size into the ZIP headers."""
    base = xlsx([(0, 0, HEADER), (1, 0, [*ROW, 5])])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with z.open(item.filename, "w") as fh:      # streamed: little memory
                fh.write(head + b"<sheetData>")
                blanks = b" " * 2**20
                for _ in range(size // len(blanks)):
                    fh.write(blanks)
                fh.write(tail)
    data = bytearray(out.getvalue())
    if lie:
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
        struct.pack_into("<L", data, info.header_offset + 22, 1000)
        at = bytes(data).find(b"PK\x01\x02")
        while at >= 0:
            n = struct.unpack_from("<H", data, at + 28)[0]
            if bytes(data[at + 46:at + 46 + n]) == b"xl/worksheets/sheet1.xml":
                struct.pack_into("<L", data, at + 24, 1000)
            at = bytes(data).find(b"PK\x01\x02", at + 4)
    return bytes(data)


# -- 1. bad import files ---------------------------------------------------------------------------

def _real_text(real: Path) -> str:
    return (real / "2019.csv").read_text(encoding="utf-8")


def _sub(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _cut_last_line(text: str, keep: int) -> bytes:
    """The file cut ``keep`` bytes into its last line."""
    b = text.encode()
    return b[:b[:-1].rfind(b"\n") + 1 + keep]


DRAGOER = '"Dragør",724'
CODES = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD\r\n"

#: (id, file name, content from the real 2019 export text R, pattern of the one error line)
BAD_FILES = [
    ("cut-at-20kB", "2019.csv", lambda R: R.encode()[:20000], r"2019.csv, linje 116: .*afkortet"),
    ("cut-inside-last-number", "2019.csv", lambda R: R.encode()[:-2], r"linje 198: .*afkortet"),
    ("cut-inside-first-field", "2019.csv", lambda R: _cut_last_line(R, 5), r"linje 198: .*afkortet"),
    ("cut-inside-quotes", "2019.csv", lambda R: _cut_last_line(R, 30), r"afkortet"),
    ("missing-field", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør"'), r"linje 4: ingen værdi"),
    ("extra-field", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",724,1'), r"linje 4: 6 felter, forventede 5"),
    ("empty-value", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",'), r"linje 4: ingen værdi"),
    ("empty-quoted-value", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",""'), r"linje 4: ingen værdi"),
    ("12x4", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",12x4'), r"linje 4: '12x4' er ikke et tal"),
    ("1234-kr", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør","1234 kr"'), r"linje 4: '1234 kr' er ikke et tal"),
    ("NaN", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",NaN'), r"linje 4: 'NaN' er ikke et tal"),
    ("inf", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",inf'), r"'inf' er ikke et tal"),
    ("exponent", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",7e2'), r"'7e2' er ikke et tal"),
    ("bad-thousands-group", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",1.23'), r"'1.23' er ikke et tal"),
    ("too-many-digits", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",12345678901234567'), r"flere cifre"),
    ("unicode-digits", "2019.csv", lambda R: _sub(R, DRAGOER, '"Dragør",٧٢٤'), r"er ikke et tal"),
    ("english-number-in-danish-export", "2019.csv",
     lambda R: _sub(_sub(R, DRAGOER, '"Dragør","7,5"'), '"Tårnby",1205', '"Tårnby",7.25'),
     r"linje 5: '7.25' er ikke et tal \(filen bruger danske talformater"),
    ("mixed-decimal-marks", "x.csv", lambda R: CODES + "101;52821;TOT;LOBM;2019;7,5\r\n147;52821;TOT;LOBM;2019;7.25\r\n",
     r"både dansk decimalkomma \('7,5', linje 2\) og engelsk decimalpunktum \('7.25', linje 3\)"),
    ("blank-label", "2019.csv", lambda R: _sub(R, '"Dragør"', '""'), r"linje 4: tom celle i kolonne 4"),
    ("text-line-amid-data", "2019.csv", lambda R: _sub(R, '"Pr. indbygger, løbende priser (kr.)","I alt (netto)",'
                                                          '"5.28.21 Rådgivning samt forebyggende indsatser eller '
                                                          'foranstaltninger og støttende indsatser for børn og unge",'
                                                          '"Dragør"', 'Note: se nedenfor\n"Pr. indbygger, løbende '
                                                          'priser (kr.)","I alt (netto)","5.28.21 Rådgivning samt '
                                                          'forebyggende indsatser eller foranstaltninger og støttende '
                                                          'indsatser for børn og unge","Dragør"'),
     r"linje 4: en tekstlinje midt i data"),
    ("unknown-area-name", "2019.csv", lambda R: _sub(R, '"Dragør"', '"Atlantis"'), r"linje 4: ukendt område 'Atlantis'"),
    ("area-code-950", "2019.csv", lambda R: _sub(R, '"Dragør"', '"950"'), r"ukendte områdekoder '950' \(linje 4\)"),
    ("area-code-999", "2019.csv", lambda R: _sub(R, '"Dragør"', '"999 Uoplyst"'), r"'999' \(linje 4\)"),
    ("unknown-function", "2019.csv", lambda R: R.replace('"5.28.22 Plejefamilier"', '"Plejefamilier"'),
     r"linje 100: funktion 'Plejefamilier' kendes ikke"),
    ("fixed-prices", "2019.csv", lambda R: R.replace("løbende priser", "faste priser"), r"prisenhed .* understøttes ikke"),
    ("two-units", "2019.csv", lambda R: _sub(R, '"Pr. indbygger, løbende priser (kr.)"', '"1.000 kr., løbende priser"'),
     r"præcis én prisenhed"),
    ("unknown-art", "2019.csv", lambda R: _sub(R, '"I alt (netto)"', '"Brutto (ca.)"'), r"art 'Brutto \(ca.\)' kendes ikke"),
    ("duplicate-row", "2019.csv", lambda R: R + R.splitlines()[3] + "\n", r"rækker med samme nøgle"),
    ("header-only-csv", "2019.csv", lambda R: ";".join(HEADER) + "\r\n", r"kun en overskrift og ingen datarækker"),
    ("header-only-codes", "x.csv", lambda R: CODES, r"kun en overskrift"),
    ("header-only-xlsx", "2019.xlsx", lambda R: xlsx([(0, 0, HEADER)]), r"kun en overskrift"),
    ("empty-file", "2019.csv", lambda R: b"", r"filen er tom"),
    ("blank-lines-only", "2019.csv", lambda R: "\r\n \r\n;;\r\n", r"filen er tom"),
    ("binary-nul", "2019.csv", lambda R: b"\x00\x01\x02garbage\n", r"NUL-tegn"),
    ("not-text", "2019.csv", lambda R: b"\x81\x8d\x8f\x90\x9d\n", r"tekstfiler læses som UTF-8 \(med eller uden BOM\), UTF-16 med BOM eller Windows-1252; denne er ingen af dem"),
    ("broken-zip", "2019.xlsx", lambda R: b"PK\x03\x04" + b"\x00" * 200, r"kan ikke læses som XLSX"),
    ("csv-named-xlsx", "2019.xlsx", lambda R: R, r"kan ikke læses som XLSX"),
    ("sparse-xlsx", "2019.xlsx", lambda R: xlsx([(0, 0, HEADER), (200_000, 2_000, [1])]),
     r"grænsen er 1\.048\.576 rækker, 1\.000 kolonner og 4\.000\.000 celler"),
    ("deflate-bomb", "2019.xlsx", lambda R: bomb(300 * 2**20), r"udpakket fylder den .*grænsen er 256,0 MB"),
    ("deflate-bomb-lying-sizes", "2019.xlsx", lambda R: bomb(300 * 2**20, lie=True),
     r"udpakket fylder den over 256,0 MB"),
    ("xlsx-text-value", "2019.xlsx", lambda R: xlsx([(0, 0, HEADER), (1, 0, [*ROW, "12x4"])]),
     r"række 2: '12x4' er ikke et tal"),
    ("xlsx-empty-year-cell", "2019.xlsx",
     lambda R: xlsx([(0, 4, ["2019", "2020"]), (1, 0, ["1.000 kr., løbende priser", "I alt (netto)", "5.28.21 R",
                                                       "København", 5]), (1, 5, [""])]),
     r"række 2: tom værdi"),
    ("xlsx-cells-beside-table", "2019.xlsx", lambda R: xlsx([(0, 0, HEADER), (1, 0, [*ROW, 5, "x"])]),
     r"række 2: celler uden for tabellen"),
    ("too-many-fields", "2019.csv", lambda R: ";".join(["1"] * 1500) + "\r\n", r"1\.500 felter; grænsen er 1000"),
    ("giant-field", "2019.csv", lambda R: "x" * 200_000 + ";1\r\n",
     r"linje 1: kan ikke læses som CSV – et felt er længere end 131.072 tegn"),
    ("bad-year-column", "x.csv", lambda R: CODES + "101;52821;TOT;LOBM;20x9;1\r\n", r"linje 2: '20x9' er ikke et årstal"),
    ("year-nowhere", "eksport.csv", lambda R: R, r"året står hverken i en kolonne eller i filnavnet"),
    ("ambiguous-thousands", "x.csv", lambda R: CODES + "101;52821;TOT;LOBM;2019;1.234\r\n",
     r"linje 2: '1.234' kan betyde både 1234 .* og 1.234"),
    ("population-export", "2019.csv",
     lambda R: "Område;Køn;Alder;Tid;Indhold\r\nKøbenhavn;I alt;7 år;2019K1;6000\r\n", r"kun én alder \(7 år\)"),
    # issue: numbers read wrong, silently
    ("own-index-three-decimals", "pl.csv", lambda R: "år;indeks\r\n2007;100\r\n2008;101.750\r\n",
     r"pl.csv: indeks, række 3: '101.750' kan betyde både 101750 .* og 101.75"),
    ("xlsx-formula-without-cached-result", "2019.xlsx",
     lambda R: xlsx([(0, 0, HEADER), (1, 0, ROW)], formula=(1, 5, "=700+24", 0)),
     r"2019.xlsx: cellen F2 \(sheet1.xml\) indeholder en formel"),
    ("own-index-empty-value", "pl.csv", lambda R: "år;indeks\r\n2013;98\r\n2014;\r\n2015;100\r\n",
     r"pl.csv, række 3: prisindekset har ingen værdi for 2014"),
    ("own-index-text-year", "pl.csv", lambda R: "år;indeks\r\n2013;98\r\nto-tusind;99\r\n",
     r"pl.csv, række 3: 'to-tusind' er ikke et årstal"),
    ("all-ages-population", "befolkning.csv",
     lambda R: "Kommune,2014,2015\r\nKøbenhavn,580184,591481\r\nAarhus,326246,330639\r\nOdense,197517,198972\r\n",
     r"befolkning.csv: filen har ét tal pr. område og år \(3 områder, år 2014–2015\) og ingen kolonne for "
     r"alder.*Alder = '0 år' … '22 år'"),
    ("not-a-zip-but-xlsx", "2019.xlsx", lambda R: b"hello, not a workbook",
     r"2019.xlsx: kan ikke læses som XLSX – filen er ikke en ZIP-fil"),
    ("nan1-zero-chained-value", "nan1.csv",
     lambda R: "TRANSAKT;PRISENHED;TID;INDHOLD\r\nP3S13D;V_M;2019;812,5\r\nP3S13D;LAN_M;2019;0\r\n",
     r"nan1.csv, række \d: prisindekset for 2019 kan ikke beregnes \(inf\)"),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_export_is_refused_with_one_line_and_nothing_published(case, data_dir, real, tmp_path, capsys):
    _, name, make, pattern = case
    content = make(_real_text(real))
    f = tmp_path / "in" / name
    f.parent.mkdir()
    f.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    assert_refused(["import", f, "--data-dir", data_dir], pattern, data_dir, capsys)


def test_one_bad_file_among_good_ones_publishes_nothing(data_dir, real, tmp_path, capsys):
    bad = tmp_path / "2019.csv"
    bad.write_text(_sub(_real_text(real), DRAGOER, '"Dragør",12x4'), encoding="utf-8")
    assert_refused(["import", real / "2016.csv", real / "2017.csv", bad, "--data-dir", data_dir],
                   r"2019.csv, linje 4: '12x4'", data_dir, capsys)


BAD_PATHS = [
    ("missing-file", lambda t: [t / "nope_2019.csv"], r"filen findes ikke"),
    ("folder-as-file", lambda t: [t], r"er en mappe, ikke en fil"),
    ("device-as-file", lambda t: ["/dev/zero"], r"ikke en almindelig fil"),
    ("fifo-as-file", lambda t: [_fifo(t)], r"ikke en almindelig fil"),
    ("huge-sparse-file", lambda t: [_sparse_file(t)], r"filen fylder 300,0 MB; grænsen er 128,0 MB"),
    ("same-name-twice", lambda t: [_copy(t, "a"), _copy(t, "b")], r"flere filer hedder det samme: 2016.csv"),
    ("no-files", lambda t: [], r"ingen filer at importere"),
]


def _fifo(t: Path) -> Path:
    p = t / "fifo_2019.csv"
    os.mkfifo(p)
    return p


def _sparse_file(t: Path) -> Path:
    p = t / "huge_2019.csv"
    with open(p, "wb") as fh:
        fh.truncate(300 * 2**20)       # 300 MB on paper, nothing on disk
    return p


def _copy(t: Path, sub: str) -> Path:
    (t / sub).mkdir()
    return Path(shutil.copy(SHIPPED / "snapshots" / SHIPPED_NAME / "import" / "2016.csv", t / sub / "2016.csv"))


@pytest.mark.parametrize("case", BAD_PATHS, ids=[c[0] for c in BAD_PATHS])
def test_bad_input_paths_are_refused(case, data_dir, tmp_path, capsys, monkeypatch):
    _, make, pattern = case
    work = tmp_path / "in"
    work.mkdir()
    files = make(work)
    if not files:   # argparse needs one file: call the import itself
        from trappe_xl.errors import ParseError
        from trappe_xl.sources.imports import run_import
        with pytest.raises(ParseError, match=pattern):
            run_import(data_dir, [], out=lambda s: None)
        return
    assert_refused(["import", *files, "--data-dir", data_dir], pattern, data_dir, capsys)


def test_data_dir_that_is_a_file_or_unwritable_is_refused(data_dir, real, tmp_path, capsys, monkeypatch):
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    assert_refused(["import", real / "2016.csv", "--data-dir", a_file], r"data-mappen .*afile er ikke en mappe",
                   data_dir, capsys)
    assert_refused(["import", real / "2016.csv", "--data-dir", "/proc/trappe-data"],
                   r"kan ikke skrive i data-mappen /proc/trappe-data", data_dir, capsys)
    assert_refused(["import", real / "2016.csv", "--data-dir", a_file / "sub"], r"kan ikke skrive i data-mappen",
                   data_dir, capsys)

    import tempfile

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", str(data_dir / "snapshots"))
    monkeypatch.setattr(tempfile, "mkdtemp", denied)    # root ignores chmod; simulate a read-only folder
    assert_refused(["import", real / "2016.csv", "--data-dir", data_dir],
                   r"(kan ikke skrive i data-mappen .*|fejl \(filsystem\): .*snapshots): ingen adgang",
                   data_dir, capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_read_only_data_dir_is_refused(data_dir, real, capsys):
    os.chmod(data_dir / "snapshots", 0o555)
    try:
        assert_refused(["import", real / "2016.csv", "--data-dir", data_dir], r"ingen adgang", data_dir, capsys)
    finally:
        os.chmod(data_dir / "snapshots", 0o755)


# -- 2. bad snapshots (manifests) ------------------------------------------------------------------

def _evil_snapshot(data_dir: Path, edit) -> Path:
    """A copy of the shipped snapshot under a newer name (so build picks it), changed by ``edit``."""
    src = data_dir / "snapshots" / SHIPPED_NAME
    dst = data_dir / "snapshots" / "2027-01-01T000000Z_import"
    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text(encoding="utf-8"))
    edit(dst, m)
    (dst / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return dst


def _point_part(file: str, sha_of: Path | None = None):
    def edit(dst: Path, m: dict) -> None:
        m["parts"][0]["file"] = file
        data = (sha_of or dst / "import" / "2016.csv").read_bytes()
        m["files"][file] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return edit


def _symlink_out(dst: Path, m: dict) -> None:
    target = dst.parent.parent.parent / "outside.csv"
    shutil.copy(dst / "import" / "2016.csv", target)
    (dst / "import" / "evil.csv").symlink_to(target)
    _point_part("import/evil.csv", target)(dst, m)


def _tamper(dst: Path, m: dict) -> None:
    f = dst / "import" / "2016.csv"
    f.write_bytes(f.read_bytes().replace(b",1027", b",1028", 1))


BAD_SNAPSHOTS = [
    ("dotdot", lambda d, m: _point_part("../" + SHIPPED_NAME + "/import/2016.csv")(d, m), r"kun filer inde i snapshottet"),
    ("absolute", lambda d, m: _point_part("/etc/hostname", Path("/etc/hostname"))(d, m), r"kun filer inde i snapshottet"),
    ("symlink-out", _symlink_out, r"peger uden for snapshottet"),
    ("tampered-bytes", _tamper, r"passer ikke med sin checksum"),
    ("part-not-in-files", lambda d, m: m["parts"][0].update(file="import/x.csv"), r"står ikke blandt manifestets filer"),
    ("part-without-file", lambda d, m: m["parts"][0].pop("file"), r"en del uden filnavn"),
    ("bad-options", lambda d, m: m["parts"][0]["options"].update(year="toogtyve"), r"ugyldige 'options'"),
    ("unknown-kind", lambda d, m: m["parts"][0].update(kind="macro"), r"ukendt del-type 'macro'"),
    ("name-with-dotdot", lambda d, m: m.update(name="../../evil"), r"snapshot-navnet '../../evil' er ikke et mappenavn"),
]


@pytest.mark.parametrize("case", BAD_SNAPSHOTS, ids=[c[0] for c in BAD_SNAPSHOTS])
def test_bad_snapshot_is_refused_by_build_and_nothing_written(case, data_dir, tmp_path, capsys):
    _, edit, pattern = case
    _evil_snapshot(data_dir, edit)
    out = tmp_path / "out" / "model.xlsx"
    assert_refused(["build", "--data-dir", data_dir, "--out", out], pattern, data_dir, capsys)
    assert not out.exists() and leftovers(out.parent) == []


def test_manifest_that_is_not_json_is_refused(data_dir, tmp_path, capsys):
    dst = _evil_snapshot(data_dir, lambda d, m: None)
    (dst / "manifest.json").write_text("{oops", encoding="utf-8")
    assert_refused(["build", "--data-dir", data_dir, "--out", tmp_path / "m.xlsx"], r"ikke gyldig JSON",
                   data_dir, capsys)


# -- the last silent distortions (a cut export, limits on built workbooks, full disk, boundaries) --

def test_an_export_cut_inside_the_first_block_imports_and_says_which_kommuner_are_missing(real, tmp_path, capsys):
    """A real export cut at a line break after 25 kommuner looks like a deliberate selection, so it
    is not refused — but the summary and the workbook say plainly what is missing."""
    lines = (real / "2019.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "in" / "2019.csv"
    cut.parent.mkdir()
    cut.write_text("".join(lines[:26]), encoding="utf-8")       # Hele landet + 25 kommuner
    data = tmp_path / "data"
    code, out, err = run_main(["import", cut, "--data-dir", data], capsys)
    assert code == 0, err
    assert "Bemærk: Regnskabet for 2019 dækker 25 af de 98 kommuner; 73 mangler: " in out
    code, out, err = run_main(["build", "--data-dir", data, "--out", tmp_path / "b.xlsx"], capsys)
    assert code == 0, err
    import openpyxl
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx", read_only=True)
    om = " ".join(str(c) for r in wb["Om data"].iter_rows(values_only=True) for c in r if c)
    assert "Regnskabet for 2019 dækker 25 af de 98 kommuner; 73 mangler" in om


def _with_stray_cell(src: bytes, ref: str) -> bytes:
    """``src`` (a built workbook) with one extra cell ``ref`` on TrinData's sheet (a stray entry)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{layout.SHEETS.index(layout.TRINDATA) + 1}.xml":
                row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                data = data.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
                                    f"</sheetData>".encode())
            z.writestr(item, data)
    return out.getvalue()


def test_an_own_index_in_utf16_and_data_behind_an_empty_first_sheet_are_read(tmp_path, capsys):
    """Excel's "Unicode-tekst" (UTF-16 with BOM) is text; an empty first sheet is passed over."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "pl16.csv").write_bytes("år;indeks\r\n2016;100\r\n2017;101,5\r\n".encode("utf-16"))
    wb = xlsxwriter.Workbook(d / "pl.xlsx")
    wb.add_worksheet("tom")
    ws = wb.add_worksheet("indeks")
    for i, row in enumerate([["år", "indeks"], [2016, 100], [2017, 102]]):
        ws.write_row(i, 0, row)
    wb.close()
    for f, want in (("pl16.csv", {2016: 100.0, 2017: 101.5}), ("pl.xlsx", {2016: 100.0, 2017: 102.0})):
        code, out, err = run_main(["import", "--alone", d / f, "--data-dir", tmp_path / "data"], capsys)
        assert code == 0, err
        ds = load_snapshot(list_snapshots(tmp_path / "data")[-1])
        assert dict(zip(ds.deflator["aar"], ds.deflator["indeks"])) == want


#: TRAPPE_STEP arguments as users write them -> what the answer must say (on the shipped book)
FUNCTION_ANSWERS = [
    (("Aarhus", 2024, "2-3", "udgifter"), 'data har ingen udgifter for 2024, kun netto – brug mål "netto"'),
    (("Aarhus", 2024, "3-2"), "ukendt trin '3-2'"),
    (("Aarhus", 2024, "1-6"), "ukendt trin '1-6'"),
    (("Aarhus", 2024, "2-5"), "ukendt trin '2-5'"),
    (("Aarhus", "__date__", "2-3"), "år skal være et tal, ikke datoen 01-01-2024"),
    (("__date__", 2024, "2-3"), "ukendt kommune datoen 01-01-2024"),
    (("Aarhus", "\u0662\u0660\u0662\u0664", "2-3"), "år skal være et tal, ikke '٢٠٢٤'"),
    (("Aarhus", 2024, [[2.0, 3.0]]), "trin skal være et tal, ikke et område med 2 celler"),
    ((True, 2024, "2-3"), "ukendt kommune SAND"),
    (("x" * 500, 2024, "2-3"), "ukendt kommune 'xxxxxxxx"),
]


@pytest.mark.parametrize("args, want", FUNCTION_ANSWERS, ids=[str(i) for i in range(len(FUNCTION_ANSWERS))])
def test_function_answers_say_the_real_reason_in_the_users_words(args, want, reference_workbook, tmp_path):
    import datetime
    from trappe_xl import udf
    book = tmp_path / "b.xlsx"
    book.write_bytes(reference_workbook)
    args = tuple(datetime.datetime(2024, 1, 1) if a == "__date__" else a for a in args)
    udf.use_workbook(str(book))
    try:
        got = udf.TRAPPE_STEP(*args)
    finally:
        udf.use_workbook(None)
    assert isinstance(got, str) and got.startswith("#TRAPPE: ") and want in got, got
    assert len(got) <= 200 and "datetime" not in got and "[[" not in got


def test_a_one_cell_range_is_its_cell(reference_workbook, tmp_path):
    from trappe_xl import udf
    book = tmp_path / "b.xlsx"
    book.write_bytes(reference_workbook)
    udf.use_workbook(str(book))
    try:
        assert udf.TRAPPE_STEP([["Aarhus"]], 2024, "2-3") == udf.TRAPPE_STEP("Aarhus", 2024, "2-3")
    finally:
        udf.use_workbook(None)


def test_the_functions_read_a_workbook_under_the_same_limits(reference_workbook, tmp_path):
    """Before: one stray cell far out made TRAPPE_STEP allocate gigabytes; a deflate bomb too."""
    from trappe_xl import udf
    stray = tmp_path / "stray.xlsx"
    stray.write_bytes(_with_stray_cell(reference_workbook, "BXY200001"))
    try:
        udf.use_workbook(str(stray))
        answer = udf.TRAPPE_STEP("København", 2020, "2-3")
        assert isinstance(answer, str) and answer.startswith("#TRAPPE:") and "grænsen" in answer, answer
        b = tmp_path / "bomb.xlsx"
        b.write_bytes(bomb(1100 * 2**20))
        udf.use_workbook(str(b))
        answer = udf.TRAPPE_STEP("København", 2020, "2-3")
        assert isinstance(answer, str) and "udpakket fylder den" in answer, answer
    finally:
        udf.use_workbook(None)
    ok = tmp_path / "ok.xlsx"
    ok.write_bytes(reference_workbook)
    udf.use_workbook(str(ok))
    try:
        assert isinstance(udf.TRAPPE_STEP("København", 2020, "2-3"), float)
    finally:
        udf.use_workbook(None)


def test_check_refuses_a_workbook_naming_a_snapshot_outside_the_data_dir(reference_workbook, tmp_path, capsys):
    evil = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(reference_workbook)) as zin, zipfile.ZipFile(evil, "w") as z:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = data.replace(SHIPPED_NAME.encode(), b"../../outside")
            z.writestr(item, data)
    wb = tmp_path / "evil.xlsx"
    wb.write_bytes(evil.getvalue())
    code, out, err = run_main(["check", wb, "--data-dir", SHIPPED], capsys)
    assert code == 2 and "check OK" not in out
    assert "nævner snapshottet '../../outside', som ikke er et mappenavn" in err


def test_a_full_disk_while_building_is_one_danish_line(tmp_path, capsys, monkeypatch):
    """Before: "uventet fejl (FileCreateError: [Errno 28] …) – meld fejlen", exit 3."""
    import errno
    from xlsxwriter.exceptions import FileCreateError
    from trappe_xl import pipeline

    def full(*a, **kw):
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))
    monkeypatch.setattr(pipeline, "write_workbook", full)
    code, out, err = run_main(["build", "--data-dir", SHIPPED, "--out", tmp_path / "m.xlsx"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("fejl (OutputError): kan ikke skrive projektmappen") and "disken er fuld" in err
    assert not (tmp_path / "m.xlsx").exists() and leftovers(tmp_path) == []


def test_import_stages_inside_the_data_dir_not_in_the_system_temp(data_dir, tmp_path, monkeypatch):
    """Before: a killed import left /tmp/trappe-import-XXXX (28 MB each) that nothing removed."""
    import tempfile
    from trappe_xl.sources import imports
    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    staged = []
    real_load = imports.load_snapshot
    monkeypatch.setattr(imports, "load_snapshot", lambda p: staged.append(Path(p)) or real_load(p))
    f = SHIPPED / "snapshots" / SHIPPED_NAME / "import" / "2016.csv"
    imports.run_import(data_dir, [f], out=lambda s: None)
    stage = staged[-1]
    assert stage.is_relative_to(data_dir / "snapshots") and stage.relative_to(data_dir / "snapshots").parts[0].startswith(".tmp-")
    assert list(system_tmp.iterdir()) == [] and leftovers(data_dir / "snapshots") == []


# -- 3. bad output paths ---------------------------------------------------------------------------

def _held_lock(out: Path):
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.with_name(f".{out.name}.lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


BAD_OUTS = [
    ("folder", lambda t: (t / "ud.xlsx").mkdir() or t / "ud.xlsx", r"--out .*ud.xlsx er en mappe; angiv et filnavn"),
    ("device", lambda t: (t / "null.xlsx").symlink_to("/dev/null") or t / "null.xlsx",
     r"--out .*null.xlsx er ikke en almindelig fil"),
    ("proc", lambda t: Path("/proc/x.xlsx"), r"kan ikke skrive i /proc"),
    ("under-a-file", lambda t: (t / "f").write_text("x") and t / "f" / "x.xlsx", r"en del af stien er ikke en mappe"),
    ("busy", lambda t: t / "busy.xlsx", r"en anden kørsel skriver allerede .*busy.xlsx"),
]


@pytest.mark.parametrize("case", BAD_OUTS, ids=[c[0] for c in BAD_OUTS])
def test_bad_out_is_refused_before_any_work(case, data_dir, tmp_path, capsys):
    name, make, pattern = case
    out = make(tmp_path)
    fd = _held_lock(out) if name == "busy" else None
    try:
        t = time.monotonic()
        line = assert_refused(["build", "--data-dir", data_dir, "--out", out], pattern, data_dir, capsys)
        assert time.monotonic() - t < 5, "refused only after building"
    finally:
        if fd is not None:
            os.close(fd)
    assert "snapshot:" not in line
    if name == "busy":
        assert not out.exists()


# -- 4. check compares with the workbook's own snapshot --------------------------------------------

@pytest.fixture(scope="module")
def two_snapshots(tmp_path_factory, shared_data):
    """A data dir with the shipped snapshot (2016–2024) and an import of 2016–2018, and a workbook
    built from each."""
    base = tmp_path_factory.mktemp("two")
    d = base / "data"
    shutil.copytree(SHIPPED / "snapshots", d / "snapshots")
    real = shared_data / "regk31-extract" / "as-published"
    from datetime import datetime, timezone
    from trappe_xl.pipeline import build
    from trappe_xl.sources.imports import run_import
    small = run_import(d, [real / f"{y}.csv" for y in (2016, 2017, 2018)], out=lambda s: None,
                       now=lambda: datetime(2027, 1, 1, tzinfo=timezone.utc))
    books = {"full": build(d, snapshot=d / "snapshots" / SHIPPED_NAME, out=base / "full.xlsx", say=lambda s: None),
             "small": build(d, snapshot=small, out=base / "small.xlsx", say=lambda s: None)}
    return d, small, books


def test_check_uses_the_snapshot_the_workbook_names(two_snapshots, capsys):
    d, small, books = two_snapshots
    assert workbook_snapshot(books["full"]) == SHIPPED_NAME and workbook_snapshot(books["small"]) == small.name
    before = tree(d)
    for book in books.values():     # the newest snapshot in d is `small`; the full workbook still checks OK
        code, out, err = run_main(["check", book, "--data-dir", d], capsys)
        assert code == 0 and "check OK" in out and err == "", (out, err)
    assert f"sammenligner med snapshot {SHIPPED_NAME}" in run_main(["check", books["full"], "--data-dir", d], capsys)[1]
    assert tree(d) == before


def test_check_refuses_another_snapshot_and_a_missing_one(two_snapshots, tmp_path, capsys):
    d, small, books = two_snapshots
    assert_refused(["check", books["full"], "--data-dir", d, "--snapshot", small],
                   rf"bygget af snapshot {SHIPPED_NAME}, ikke af {small.name}", d, capsys)
    empty = tmp_path / "empty"
    assert_refused(["check", books["small"], "--data-dir", empty],
                   rf"bygget af snapshot {small.name}, som ikke kan læses i .*empty/snapshots", d, capsys)
    assert_refused(["check", tmp_path / "nope.xlsx", "--data-dir", d], r"nope.xlsx: findes ikke", d, capsys)
    (tmp_path / "x.xlsx").write_text("not a workbook")
    assert_refused(["check", tmp_path / "x.xlsx", "--data-dir", d],
                   r"x.xlsx: kan ikke læses som XLSX – filen er ikke en ZIP-fil", d, capsys)
    assert_refused(["check", tmp_path, "--data-dir", d], r"ikke en almindelig fil", d, capsys)


# -- 5. the real process: one line, exit code, no traceback ----------------------------------------

def cli_proc(args: list, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trappe_xl.cli", *map(str, args)], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=TIMEOUT, **kw)


@pytest.mark.parametrize("args", [
    ["import", "header_only_2019.csv", "--data-dir", "data"],
    ["import", "--data-dir", "afile", "header_only_2019.csv"],
    ["build", "--data-dir", "data", "--out", "."],
    ["build", "--data-dir", "data", "--out", "/dev/null"],
    ["build", "--data-dir", "data", "--out", "afile/x.xlsx"],
    ["check", "header_only_2019.csv", "--data-dir", "data"],
], ids=["header-only", "data-dir-file", "out-folder", "out-device", "out-under-a-file", "check-not-xlsx"])
def test_real_process_exits_2_with_one_danish_line(args, data_dir, capsys):
    work = data_dir.parent
    (work / "header_only_2019.csv").write_text(";".join(HEADER) + "\r\n", encoding="utf-8")
    (work / "afile").write_text("x")
    before = tree(data_dir)
    p = cli_proc(args, work)
    assert p.returncode == 2, p
    assert "Traceback" not in p.stderr + p.stdout
    assert len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("fejl"), p.stderr
    assert tree(data_dir) == before


# -- 6. kill -9 ------------------------------------------------------------------------------------

HARNESS = textwrap.dedent("""
    # Run the CLI with one function hooked: SIGKILL this process at its N-th call (before or after
    # the call), or sleep there. Test-only: the product has no such hooks.
    import importlib, os, signal, sys, time
    target, n, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[4:]
    module, _, path = target.partition(":")
    owner = importlib.import_module(module)
    *parents, attr = path.split(".")
    for p in parents:
        owner = getattr(owner, p)
    original = getattr(owner, attr)
    calls = 0
    def hooked(*a, **k):
        global calls
        calls += 1
        if calls == n and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        if calls == n and when == "sleep":
            time.sleep(float(os.environ["HOOK_SLEEP"]))
        result = original(*a, **k)
        if calls == n and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, attr, hooked)
    if os.environ.get("HOOK_NOW"):      # distinct snapshot names for runs within one second
        import datetime
        import trappe_xl.sources.imports as imports
        stamp = datetime.datetime.fromisoformat(os.environ["HOOK_NOW"])
        imports.run_import.__kwdefaults__["now"] = lambda: stamp
    from trappe_xl import cli
    sys.exit(cli.main(argv))
""")


def hooked(target: str, n: int, when: str, args: list, cwd: Path, env: dict | None = None):
    return subprocess.Popen([sys.executable, "-c", HARNESS, target, str(n), when, *map(str, args)], cwd=cwd,
                            env={**ENV, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(p: subprocess.Popen) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=TIMEOUT)
    return p.returncode, out, err


def assert_snapshots_whole(data_dir: Path, before: dict[str, str]) -> list[Path]:
    """The snapshots that existed are byte-identical; every visible snapshot verifies and loads."""
    now = tree(data_dir)
    assert {k: v for k, v in now.items() if k in before} == before
    assert set(before) <= set(now)
    snaps = list_snapshots(data_dir)
    for s in snaps:
        read_manifest(s, verify=True)
    for entry in (data_dir / "snapshots").iterdir():
        if not entry.name.startswith("."):
            assert (entry / "manifest.json").is_file(), f"half snapshot visible: {entry}"
    return snaps


def test_kill_9_at_every_write_of_an_import(data_dir, real):
    files = [real / f"{y}.csv" for y in (2016, 2017, 2018)]
    before = tree(data_dir)
    killed_at, runs = [], 0
    for target, when in [("os:fsync", "before"), ("os:fsync", "after"), ("os:rename", "before"),
                         ("os:rename", "after")]:
        for n in range(1, 20):
            runs += 1
            stamp = f"2027-02-01T00:{runs // 60:02d}:{runs % 60:02d}+00:00"
            p = hooked(target, n, when, ["import", *files, "--data-dir", data_dir], data_dir.parent,
                       {"HOOK_NOW": stamp})
            code, out, err = finish(p)
            if code != -signal.SIGKILL:
                assert code == 0 and "Snapshot gemt" in out, (code, err)   # past the last point
                break
            killed_at.append((target, when, n))
            assert "Snapshot gemt" not in out
            snaps = assert_snapshots_whole(data_dir, before)
            for s in snaps:
                if s.name != SHIPPED_NAME:   # the three years re-imported beside the other six kept
                    assert len(load_snapshot(s).accounts) == 9 * 196
    assert len(killed_at) >= 10, killed_at
    # the next import removes what the killed runs left and publishes a whole snapshot
    code, out, err = finish(hooked("os:getpid", 10**9, "after", ["import", *files, "--data-dir", data_dir],
                                   data_dir.parent, {"HOOK_NOW": "2027-03-01T00:00:00+00:00"}))
    assert code == 0, err
    assert leftovers(data_dir / "snapshots") == []
    assert_snapshots_whole(data_dir, before)


def test_kill_9_at_random_moments_of_an_import(data_dir, real):
    files = [real / f"{y}.csv" for y in (2016, 2017, 2018, 2019, 2020)]
    before = tree(data_dir)
    for i, delay in enumerate((0.2, 0.6, 0.9, 1.1, 1.3, 1.6)):
        p = hooked("os:getpid", 10**9, "after", ["import", *files, "--data-dir", data_dir], data_dir.parent,
                   {"HOOK_NOW": f"2027-04-01T00:00:{i:02d}+00:00"})
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        finish(p)
        assert_snapshots_whole(data_dir, before)
    code, _, err = finish(hooked("os:getpid", 10**9, "after", ["import", *files, "--data-dir", data_dir],
                                 data_dir.parent, {"HOOK_NOW": "2027-04-02T00:00:00+00:00"}))
    assert code == 0, err
    assert leftovers(data_dir / "snapshots") == []
    assert_snapshots_whole(data_dir, before)


@pytest.fixture(scope="module")
def reference_workbook(tmp_path_factory) -> bytes:
    """The workbook a normal build of the shipped snapshot writes (builds are byte-identical)."""
    d = tmp_path_factory.mktemp("ref")
    p = cli_proc(["build", "--data-dir", SHIPPED, "--out", d / "ref.xlsx"], d)
    assert p.returncode == 0, p.stderr
    return (d / "ref.xlsx").read_bytes()


OLD = b"the previous workbook"


def test_kill_9_at_every_write_of_a_build(data_dir, reference_workbook):
    out = data_dir.parent / "out" / "model.xlsx"
    out.parent.mkdir()
    before = tree(data_dir)
    killed, left = 0, set()
    for target, when, points in [("os:replace", "before", (1, 2)), ("os:replace", "after", (1, 2)),
                                 ("os:fsync", "before", (1, 2)), ("os:fsync", "after", (1, 2)),
                                 ("zipfile:ZipFile.writestr", "before", (1, 5, 12))]:
        for n in points:
            out.write_bytes(OLD)
            code, stdout, err = finish(hooked(target, n, when, ["build", "--data-dir", data_dir, "--out", out],
                                              data_dir.parent))
            assert code == -signal.SIGKILL, (target, when, n, code, err)
            killed += 1
            assert "skrevet" not in stdout
            assert out.read_bytes() in (OLD, reference_workbook), (target, when, n)   # never half
            assert tree(data_dir) == before
            now = {p for p in leftovers(out.parent) if p.endswith(".tmp")}
            assert not (now & left), "a killed run's temporary file survived the next run"
            left = now
    assert killed == 11 and left    # the last killed run (inside the zip writing) left its temporary file
    code, stdout, err = finish(hooked("os:getpid", 10**9, "after", ["build", "--data-dir", data_dir, "--out", out],
                                      data_dir.parent))
    assert code == 0 and f"skrevet: {out}" in stdout, err
    assert "ryddet op efter afbrudte kørsler" in stdout
    assert out.read_bytes() == reference_workbook
    assert leftovers(out.parent) == []           # temporary files and the lock file are gone
    assert tree(data_dir) == before


def test_kill_9_at_random_moments_of_a_build(data_dir, reference_workbook):
    out = data_dir.parent / "model.xlsx"
    before = tree(data_dir)
    for delay in (0.5, 1.5, 2.2, 2.8, 3.3):
        out.write_bytes(OLD)
        p = cli_popen(["build", "--data-dir", data_dir, "--out", out], data_dir.parent)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=TIMEOUT)
        assert out.read_bytes() in (OLD, reference_workbook)
        assert tree(data_dir) == before
    p = cli_proc(["build", "--data-dir", data_dir, "--out", out], data_dir.parent)
    assert p.returncode == 0 and out.read_bytes() == reference_workbook
    assert [n for n in leftovers(out.parent) if "model.xlsx" in n] == []


def cli_popen(args: list, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "trappe_xl.cli", *map(str, args)], cwd=cwd,
                            env={**ENV, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# -- 7. concurrent runs ----------------------------------------------------------------------------

def test_concurrent_builds_into_one_out_only_the_writer_says_skrevet(two_snapshots, tmp_path):
    """Two builds of DIFFERENT snapshots into one --out, overlapping for sure (the first sleeps
    while it holds the output): one writes and says so, the other refuses with one line, and the
    file holds the workbook of the one that said 'skrevet'."""
    d, small, _ = two_snapshots
    out = tmp_path / "shared.xlsx"
    before = tree(d)
    first = hooked("trappe_xl.pipeline:write_workbook", 1, "sleep",
                   ["build", "--data-dir", d, "--snapshot", d / "snapshots" / SHIPPED_NAME, "--out", out],
                   tmp_path, {"HOOK_SLEEP": "6"})
    deadline = time.monotonic() + 60
    while not out.with_name(f".{out.name}.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = cli_proc(["build", "--data-dir", d, "--snapshot", small, "--out", out], tmp_path)
    code, stdout, err = finish(first)
    assert code == 0 and f"skrevet: {out}" in stdout, err
    assert second.returncode == 2 and "skrevet" not in second.stdout
    assert second.stderr.strip().splitlines() == [f"fejl (OutputError): en anden kørsel skriver allerede {out}; "
                                                  "prøv igen, når den er færdig"]
    assert workbook_snapshot(out) == SHIPPED_NAME
    assert leftovers(tmp_path) == [] and tree(d) == before


def test_concurrent_builds_race_freely_and_every_skrevet_is_true(two_snapshots, tmp_path):
    d, small, _ = two_snapshots
    out = tmp_path / "race.xlsx"
    before = tree(d)
    runs = {SHIPPED_NAME: d / "snapshots" / SHIPPED_NAME, small.name: small}
    procs = {name: cli_popen(["build", "--data-dir", d, "--snapshot", snap, "--out", out], tmp_path)
             for name, snap in runs.items()}
    results = {name: p.communicate(timeout=TIMEOUT) + (p.returncode,) for name, p in procs.items()}
    ok = [name for name, (o, e, code) in results.items() if code == 0]
    for name, (o, e, code) in results.items():
        assert "Traceback" not in e
        if code == 0:
            assert f"skrevet: {out}" in o
        else:
            assert code == 2 and "en anden kørsel skriver allerede" in e and "skrevet" not in o
    assert ok and workbook_snapshot(out) in ok
    if len(ok) == 1:
        assert workbook_snapshot(out) == ok[0]
    assert leftovers(tmp_path) == [] and tree(d) == before


def test_concurrent_imports_publish_whole_snapshots_or_refuse(data_dir, real):
    before = tree(data_dir)
    procs = [cli_popen(["import", real / f"{y}.csv", "--data-dir", data_dir], data_dir.parent)
             for y in (2016, 2017, 2018)]
    results = [p.communicate(timeout=TIMEOUT) + (p.returncode,) for p in procs]
    published = 0
    for out, err, code in results:
        assert "Traceback" not in err
        if code == 0:
            published += 1
            assert "Snapshot gemt" in out
        else:   # same second, same snapshot name: refused, never overwritten
            assert code == 2 and len(err.strip().splitlines()) == 1
            assert "findes allerede" in err or "dukkede op undervejs" in err, err
    assert published >= 1
    snaps = assert_snapshots_whole(data_dir, before)
    assert len(snaps) == 1 + published
    assert leftovers(data_dir / "snapshots") == []


def test_build_during_import_reads_a_whole_snapshot(data_dir, real, tmp_path):
    before = tree(data_dir)
    imp = cli_popen(["import", *[real / f"{y}.csv" for y in range(2016, 2025)], "--data-dir", data_dir],
                    data_dir.parent)
    bld = cli_popen(["build", "--data-dir", data_dir, "--out", tmp_path / "during.xlsx"], data_dir.parent)
    (io_, ie, ic), (bo, be, bc) = [p.communicate(timeout=TIMEOUT) + (p.returncode,) for p in (imp, bld)]
    assert ic == 0 and bc == 0, (ie, be)
    snaps = assert_snapshots_whole(data_dir, before)
    assert workbook_snapshot(tmp_path / "during.xlsx") in [s.name for s in snaps]


# -- 8. memory -------------------------------------------------------------------------------------

MEMORY = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from trappe_xl.errors import ParseError
    from trappe_xl.sources import limits
    from trappe_xl.sources.exports import parse_export
    results = []
    for f in sorted(Path(sys.argv[1]).iterdir()):
        try:
            parse_export(limits.check_file(f), f.name)
            results.append(f.name + " ok")
        except ParseError as e:
            results.append(f.name + " " + type(e).__name__)
    print(";".join(results))
    # peak resident memory of this process since its exec (ru_maxrss would include the parent's)
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    print(int(hwm[0].split()[1]) // 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def _realistic_regk100(path: Path) -> None:
    """A label export just under the cell cap that reads in full: REGK100 for 5 years × 999
    groupings × 99 areas (494,505 rows × 8 fields, 115 MB; synthetic figures)."""
    from trappe_xl import reference
    areas = ["Hele landet"] + [k.navn for k in reference.kommuner()]
    fun = "5.28.21 Rådgivning samt forebyggende indsatser eller foranstaltninger og støttende indsatser"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write('"Område";"Funktion";"Dranst";"Gruppering";"Art";"Prisenhed";"Tid";"Indhold"\r\n')
        n = 0
        for year in range(2019, 2024):
            for g in range(1, 1000):
                rest = f'"{fun}";"1 Driftskonti";"{g:03d} Gruppering {g}";"I alt (netto)";"1.000 kr., løbende priser";"{year}"'
                fh.writelines(f'"{a}";{rest};"{(n := n + 1) % 99991},5"\r\n' for a in areas)


def test_memory_stays_bounded_for_files_of_any_shape(tmp_path):
    """Files at or over the caps in every shape: a dense CSV at the cell cap, a CSV of one huge
    line, a sparse XLSX, deflate bombs with true and lying headers, and a real-shaped export just
    under the caps that is read in full. One process reads them all; its peak memory stays far
    under 2 GB and each over-cap file is refused as LimitError."""
    d = tmp_path / "files"
    d.mkdir()
    with open(d / "a_dense_2019.csv", "w") as fh:       # 3.99 million one-digit fields
        for _ in range(399_000):
            fh.write("1;1;1;1;1;1;1;1;1;1\r\n")
    (d / "b_wide_2019.csv").write_text(";".join(["1"] * 5000) + "\r\n")
    _realistic_regk100(d / "f_regk100_5_years.csv")
    (d / "c_sparse_2019.xlsx").write_bytes(xlsx([(0, 0, HEADER), (200_000, 2_000, [1])]))
    (d / "d_bomb_2019.xlsx").write_bytes(bomb(300 * 2**20))
    (d / "e_liar_2019.xlsx").write_bytes(bomb(300 * 2**20, lie=True))
    p = subprocess.run([sys.executable, "-c", MEMORY, d], env=ENV, capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    results, peak = p.stdout.strip().splitlines()
    assert results.split(";")[1:] == ["b_wide_2019.csv LimitError", "c_sparse_2019.xlsx LimitError",
                                      "d_bomb_2019.xlsx LimitError", "e_liar_2019.xlsx LimitError",
                                      "f_regk100_5_years.csv ok"]
    assert int(peak) < 1500, f"peak memory {peak} MB"
