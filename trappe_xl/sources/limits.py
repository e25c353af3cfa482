"""Size and shape limits checked BEFORE an input file is read, so that no file of any shape can make
an import use more than about 2 GB of memory (measured: ``tests/test_reliability.py``).

Every cap is far above any real Statistikbanken export (DST's own download limit is about a million
cells) and each refusal says which cap and what to do.

- :func:`check_file` a path: a regular file, at most :data:`MAX_FILE_BYTES`; read with the cap.
- :func:`check_xlsx` the bytes of an XLSX: a ZIP of at most :data:`MAX_ZIP_ENTRIES` members whose
  REAL decompressed size (counted while streaming, not taken from the headers) stays under
  :data:`MAX_XLSX_UNCOMPRESSED`, and whose sheets span at most :data:`MAX_SHEET_ROWS` ×
  :data:`MAX_SHEET_COLUMNS` with at most :data:`MAX_CELLS` cells counted from A1 (the reader lays a
  sheet out densely from A1, so one cell at row 200.001, column 2.001 counts as 400 million).
  A formula cell in an export is refused and named.

The same check, with a built workbook's caps (:data:`WORKBOOK`), guards every workbook the project
reads back: the TRAPPE functions (only the sheets holding the tables they read,
:func:`members_for_tables`) and ``check``.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import LimitError, ParseError, library_text

MiB = 2**20
#: largest input file (CSV or XLSX)
MAX_FILE_BYTES = 128 * MiB
#: total decompressed size of an XLSX's members
MAX_XLSX_UNCOMPRESSED = 256 * MiB
MAX_ZIP_ENTRIES = 2000
#: cells of a sheet counted densely from A1 (rows × columns), and of a CSV (all fields)
MAX_CELLS = 4_000_000
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 1000
#: fields of one CSV line
MAX_FIELDS = 1000


@dataclass(frozen=True)
class Limits:
    """The caps one kind of file is read under (checked before it is read)."""

    file_bytes: int = MAX_FILE_BYTES
    uncompressed: int = MAX_XLSX_UNCOMPRESSED
    rows: int = MAX_SHEET_ROWS
    columns: int = MAX_SHEET_COLUMNS
    cells: int = MAX_CELLS
    advice: str = "en eksport fra Statistikbanken er langt mindre; del den op, eller gem den som CSV"
    #: cells holding a formula are read (only a built workbook has them: its cached results are
    #: the model's values); in an export a formula's cached result may be stale or missing
    formulas: bool = False

    def shape(self) -> str:
        return (f"{_n(self.rows)} rækker, {_n(self.columns)} kolonner og {_n(self.cells)} celler "
                "regnet fra A1")


#: an export to import
IMPORT = Limits()
#: a workbook the project built (read by the TRAPPE functions and ``check``): the full synthetic
#: workbook (98 kommuner × 2007–2024 × every grouping) is 18 MB with about 293,000 rows × 15
#: columns on its largest sheet (Regnskab), well inside these caps
WORKBOOK = Limits(file_bytes=512 * MiB, uncompressed=1024 * MiB, columns=200, cells=40_000_000,
                  formulas=True,
                  advice="en projektmappe fra trappe-xl er langt mindre; byg den igen med "
                         "'python build.py build'")

_CHUNK = 1 * MiB


def _mb(n: int) -> str:
    return f"{n / MiB:,.1f} MB".replace(",", "X").replace(".", ",").replace("X", ".")


def refuse(what: str, found: str, limit: str, advice: str = "") -> LimitError:
    return LimitError(f"{what}: {found}; grænsen er {limit}{' – ' + advice if advice else ''}")


def check_file(path: Path, limits: "Limits | None" = None) -> bytes:
    """The bytes of an input file after checking it is a regular file under the size cap."""
    cap = (limits or IMPORT).file_bytes
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ParseError(f"{path}: filen findes ikke") from None
    except OSError as e:
        raise ParseError(f"{path}: kan ikke læses ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ParseError(f"{path}: er en mappe, ikke en fil")
    if not stat.S_ISREG(st.st_mode):
        raise ParseError(f"{path}: er ikke en almindelig fil (fx en enhed eller et rør)")
    if st.st_size > cap:
        raise refuse(str(path), f"filen fylder {_mb(st.st_size)}", _mb(cap),
                     "del eksporten op, fx ét år pr. fil")
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except OSError as e:
        raise ParseError(f"{path}: kan ikke læses ({e.strerror or e})") from None
    if len(data) > cap:
        raise refuse(str(path), "filen voksede under læsningen", _mb(cap))
    return data


def check_bytes(data: bytes, name: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise refuse(name, f"filen fylder {_mb(len(data))}", _mb(MAX_FILE_BYTES),
                     "del eksporten op, fx ét år pr. fil")


_TAG = re.compile(rb"""<(?:\w+:)?(?P<tag>row|c|dimension|f)\b(?P<attrs>[^>]*)>""")
#: a namespaced tag (``<x:c``) somewhere in the piece: scanned tag by tag
_PREFIXED = re.compile(rb":(?:c|row|f)[ >]")
_ROW_R = re.compile(rb'<row r="([0-9]+)"')
_CELL_COL = re.compile(rb'<c r="([A-Za-z]+)')
_CELL_ROW = re.compile(rb'<c r="[A-Za-z]+([0-9]+)"')
_PLAIN_FORMULA = re.compile(rb"<f[\s>/]")
_DIM = re.compile(rb"""<(?:\w+:)?dimension\b([^>]*)>""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{0,3})(\d{1,9})["']""")
_REF_ATTR = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']*)["']""")
_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,9})$")


def _last_ref(chunk: bytes, before: int) -> tuple[str, int] | None:
    """(column letters, row) of the last ``<c r="…"`` tag that starts before ``before``."""
    at = chunk.rfind(b'<c r="', 0, before)
    m = _REF.match(chunk[at + 6:at + 24].split(b'"')[0].decode("ascii", "replace")) if at >= 0 else None
    return (m.group(1).upper(), int(m.group(2))) if m else None


def _col_letters(n: int) -> str:
    """3 -> "C", 28 -> "AB" (0 -> "A": a cell before any position is known)."""
    n, out = max(n, 1), ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


class _SheetShape:
    """Streaming scan of one worksheet's XML: the extent from A1 of its cells and their number."""

    def __init__(self, what: str, limits: Limits = IMPORT):
        self.what = what
        self.limits = limits
        #: the first cell holding a formula ("C5"), if any
        self.formula_at: str | None = None
        self.rows = self.cols = self.cells = 0
        self._row = 0
        self._col = 0

    def feed(self, chunk: bytes) -> None:
        """Scan a piece of the sheet's XML (whole tags only). Where every row and cell states its
        position (``r="…"``, as every writer we know does) the extent is taken in bulk by C-level
        regex passes; otherwise tag by tag, counting implicit positions."""
        if not self._bulk(chunk):
            self._by_tag(chunk)

    def _bulk(self, chunk: bytes) -> bool:
        """The extent in bulk when every row and cell tag starts with its position (``<row r="5"``,
        ``<c r="B5"``, as XlsxWriter and Excel write them) and no tag has a namespace prefix;
        False (scan tag by tag) otherwise."""
        n_cells = chunk.count(b"<c ") + chunk.count(b"<c>")
        n_rows = chunk.count(b"<row ") + chunk.count(b"<row>")
        if (n_cells != chunk.count(b'<c r="') or n_rows != chunk.count(b'<row r="')
                or _PREFIXED.search(chunk)):
            return False
        rows = _ROW_R.findall(chunk)
        cell_rows = _CELL_ROW.findall(chunk)
        if len(rows) != n_rows or len(cell_rows) != n_cells:
            return False
        cols = set(_CELL_COL.findall(chunk))
        if b"<dimension" in chunk and (dim := _DIM.search(chunk)) and (ref := _REF_ATTR.search(dim.group(1))):
            self._dimension(ref.group(1).decode("ascii", "replace"))
        hit = None if self.limits.formulas or self.formula_at else _PLAIN_FORMULA.search(chunk)
        if hit:
            ref = _last_ref(chunk, hit.start())
            self.formula_at = (f"{ref[0]}{ref[1]}" if ref else f"{_col_letters(self._col)}{self._row or 1}")
        self.cells += n_cells
        if rows:
            self.rows = max(self.rows, max(map(int, set(rows))))
            self._row, self._col = int(rows[-1]), 0
        if cell_rows:
            self.rows = max(self.rows, max(map(int, set(cell_rows))))
            self.cols = max(self.cols, max(_col_number(c) for c in cols))
            if ref := _last_ref(chunk, len(chunk)):       # where the next piece goes on from
                self._col, self._row = _col_number(ref[0]), ref[1]
        self._check()
        return True

    def _by_tag(self, chunk: bytes) -> None:
        for m in _TAG.finditer(chunk):
            tag, attrs = m.group("tag"), m.group("attrs")
            if tag == b"dimension":
                ref = _REF_ATTR.search(attrs)
                if ref:
                    self._dimension(ref.group(1).decode("ascii", "replace"))
                continue
            if tag == b"f":
                if self.formula_at is None:
                    self.formula_at = f"{_col_letters(self._col)}{self._row or 1}"
                continue
            r = _R_ATTR.search(attrs)
            if tag == b"row":
                self._row = int(r.group(2)) if r else self._row + 1
                self._col = 0
                continue
            self.cells += 1
            if r and r.group(1):
                self._row, self._col = int(r.group(2)), _col_number(r.group(1))
            else:
                self._col += 1
            self.rows = max(self.rows, self._row or 1)
            self.cols = max(self.cols, self._col)
            self._check()

    def _dimension(self, ref: str) -> None:
        end = ref.split(":")[-1]
        m = _REF.match(end)
        if m:
            rows, cols = int(m.group(2)), _col_number(m.group(1))
            L = self.limits
            if rows > L.rows or cols > L.columns or rows * cols > L.cells:
                raise refuse(self.what, f"arket siger selv, at det går til {end} ({_n(rows)} rækker × "
                             f"{_n(cols)} kolonner)", L.shape(), L.advice)

    def _check(self) -> None:
        L = self.limits
        if (self.rows > L.rows or self.cols > L.columns
                or self.rows * self.cols > L.cells or self.cells > L.cells):
            raise refuse(self.what, f"arket går mindst til række {_n(self.rows)}, kolonne "
                         f"{_n(self.cols)} ({_n(self.cells)} celler)", L.shape(), L.advice)


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def _member_chunks(data: bytes, m: zipfile.ZipInfo, name: str):
    """The REAL decompressed bytes of one member, in chunks, decompressed here from the raw
    deflate stream: sizes and CRCs in the ZIP headers can lie, the stream cannot."""
    off = m.header_offset
    head = data[off:off + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise ParseError(f"{name}: kan ikke læses som XLSX (ødelagt ZIP-fil ved {m.filename})")
    _, _, flags, method, _, _, _, _, _, n_name, n_extra = struct.unpack("<4s5H3L2H", head)
    start = off + 30 + n_name + n_extra
    raw = data[start:start + m.compress_size]
    if flags & 0x1:
        raise ParseError(f"{name}: XLSX-filen er krypteret ({m.filename})")
    if method == zipfile.ZIP_STORED:
        for i in range(0, len(raw), _CHUNK):
            yield raw[i:i + _CHUNK]
        return
    if method != zipfile.ZIP_DEFLATED:
        raise ParseError(f"{name}: {m.filename} er pakket med en metode ({method}), som XLSX ikke bruger")
    d = zlib.decompressobj(-15)
    for i in range(0, len(raw), _CHUNK):
        buf = raw[i:i + _CHUNK]
        while buf:
            out = d.decompress(buf, _CHUNK)
            buf = d.unconsumed_tail
            if out:
                yield out
        if d.eof:
            return
    if out := d.flush():   # at most the 32 kB window: all input was consumed above
        yield out


def check_xlsx(data: bytes, name: str, limits: Limits = IMPORT,
               read: "Callable[[zipfile.ZipFile], set[str]] | None" = None) -> None:
    """Refuse an XLSX whose real decompressed size or sheet shape is over the caps (``limits``:
    an export to import, or a built workbook), streaming through every member once with bounded
    memory (a deflate bomb stops at the cap). ``read``: the members the reader will open (the
    rest are held to their declared sizes only, since nothing decompresses them)."""
    if len(data) > limits.file_bytes:
        raise refuse(name, f"filen fylder {_mb(len(data))}", _mb(limits.file_bytes), limits.advice)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise ParseError(f"{name}: kan ikke læses som XLSX – {library_text(e)}") from None
    if len(members) > MAX_ZIP_ENTRIES:
        raise refuse(name, f"{_n(len(members))} dele i ZIP-filen", _n(MAX_ZIP_ENTRIES))
    declared = sum(m.file_size for m in members)
    if declared > limits.uncompressed:
        raise refuse(name, f"udpakket fylder den {_mb(declared)}", _mb(limits.uncompressed))
    opened = read(zf) if read is not None else None
    total = 0
    for m in members:
        if m.is_dir() or (opened is not None and m.filename not in opened):
            continue
        sheet = (_SheetShape(f"{name} (ark {m.filename})", limits)
                 if re.fullmatch(r"xl/worksheets/[^/]+\.xml", m.filename) else None)
        tail = b""
        try:
            for chunk in _member_chunks(data, m, name):
                total += len(chunk)
                if total > limits.uncompressed:
                    raise refuse(name, f"udpakket fylder den over {_mb(limits.uncompressed)} "
                                 f"(selve filen er {_mb(len(data))})", _mb(limits.uncompressed))
                if sheet is not None:
                    # a tag cut at the chunk border is scanned with the next chunk
                    buf = tail + chunk
                    cut = buf.rfind(b"<")
                    if cut < 0 or buf.find(b">", cut) >= 0:
                        cut = len(buf)
                    sheet.feed(buf[:cut])
                    tail = buf[cut:]
                    if len(tail) > _CHUNK:
                        raise ParseError(f"{name}: arket {m.filename} er ikke gyldig XML")
            if sheet is not None and tail:
                sheet.feed(tail)
            if sheet is not None and sheet.formula_at and not limits.formulas:
                raise ParseError(f"{name}: cellen {sheet.formula_at} ({m.filename.split('/')[-1]}) "
                                 "indeholder en formel, og filens gemte resultat kan ikke stoles på; "
                                 "gem arket med værdier i stedet for formler (Kopiér › Indsæt "
                                 "værdier), eller gem det som CSV")
        except zlib.error as e:
            raise ParseError(f"{name}: kan ikke læses som XLSX ({m.filename}: {library_text(e)})") from None


_SHEET_TAG = re.compile(rb"""<(?:\w+:)?sheet\b[^>]*>""")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*["']([^"']*)["']""")


def members_for_tables(zf: zipfile.ZipFile, tables: set[str]) -> set[str]:
    """The members a reader of the named Tables opens: the workbook's own parts, shared strings,
    styles, every table definition, and the sheets that hold one of ``tables``."""
    names = set(zf.namelist())
    out = {n for n in names if not n.startswith("xl/worksheets/")}
    for n in names:
        if not re.fullmatch(r"xl/worksheets/_rels/[^/]+\.xml\.rels", n):
            continue
        rels = _read_small(zf, n)
        for target in re.findall(rb"""Target\s*=\s*["']\.\./tables/([^"']+)["']""", rels):
            table = _read_small(zf, f"xl/tables/{target.decode()}")
            m = re.search(rb"""<(?:\w+:)?table\b[^>]*?\sname\s*=\s*["']([^"']+)["']""", table)
            if m and m.group(1).decode() in tables:
                out.add("xl/worksheets/" + n.split("/")[-1].removesuffix(".rels"))
    return out


def _read_small(zf: zipfile.ZipFile, member: str, cap: int = 1 * MiB) -> bytes:
    """A small part (rels, table definition), read at most ``cap`` bytes."""
    try:
        with zf.open(member) as fh:
            return fh.read(cap)
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error, EOFError):
        return b""
