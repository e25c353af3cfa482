"""A1 helpers (kept here so only writer.py imports XlsxWriter)."""

from __future__ import annotations


def col_letter(col: int) -> str:
    """0-based column index -> letters: 0 -> "A", 26 -> "AA"."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int, *, abs_row: bool = False, abs_col: bool = False) -> str:
    """0-based (row, col) -> "B3" (with "$" where asked)."""
    return f"{'$' if abs_col else ''}{col_letter(col)}{'$' if abs_row else ''}{row + 1}"


def absref(row: int, col: int) -> str:
    return a1(row, col, abs_row=True, abs_col=True)


def area(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{absref(r1, c1)}:{absref(r2, c2)}"


def sheet_ref(sheet: str, ref: str) -> str:
    """'Om data'!$A$1 — quoted when the sheet name needs it."""
    name = f"'{sheet}'" if not sheet.isalnum() else sheet
    return f"{name}!{ref}"


def parse_a1(ref: str) -> tuple[int, int]:
    """"B3" -> (2, 1) (0-based); "$" signs ignored."""
    ref = ref.replace("$", "")
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = ref[len(letters):]
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1
