"""The sheet-extent scan of limits.py: the bulk path (regex passes over a whole piece, for sheets
whose tags state their positions) gives the same extent as the tag-by-tag scan, and a piece it
cannot read in bulk (implicit positions, namespaced tags) falls back to the tag-by-tag scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trappe_xl.sources import limits


def _letters(n: int) -> str:
    return limits._col_letters(n)


def _xml(cells: list[tuple[int, int]], *, positions: bool = True, prefix: str = "") -> bytes:
    rows: dict[int, list[int]] = {}
    for r, c in sorted(set(cells)):
        rows.setdefault(r, []).append(c)
    out = [f'<{prefix}dimension ref="A1"/><{prefix}sheetData>']
    for r, cs in rows.items():
        out.append(f'<{prefix}row r="{r}">' if positions else f"<{prefix}row>")
        for c in cs:
            ref = f' r="{_letters(c)}{r}"' if positions else ""
            out.append(f'<{prefix}c{ref} t="n"><{prefix}v>1</{prefix}v></{prefix}c>')
        out.append(f"</{prefix}row>")
    out.append(f"</{prefix}sheetData>")
    return "".join(out).encode()


def _scan(xml: bytes, bulk: bool):
    s = limits._SheetShape("t", limits.WORKBOOK)
    if bulk:
        assert s._bulk(xml)
    else:
        s._by_tag(xml)
    return s.rows, s.cols, s.cells


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(1, 150)), min_size=1, max_size=60))
def test_bulk_and_tag_by_tag_agree(cells):
    xml = _xml(cells)
    assert _scan(xml, True) == _scan(xml, False)
    want_rows, want_cols = max(r for r, _ in cells), max(c for _, c in cells)
    assert _scan(xml, True) == (want_rows, want_cols, len(set(cells)))


def test_implicit_positions_and_namespaced_tags_are_scanned_tag_by_tag():
    implicit = _xml([(1, 1), (1, 2), (2, 1)], positions=False)
    s = limits._SheetShape("t", limits.WORKBOOK)
    assert not s._bulk(implicit)
    s.feed(implicit)
    assert (s.rows, s.cols, s.cells) == (2, 2, 3)
    prefixed = _xml([(3, 4)], prefix="x:")
    s = limits._SheetShape("t", limits.WORKBOOK)
    assert not s._bulk(prefixed)
    s.feed(prefixed)
    assert (s.rows, s.cols, s.cells) == (3, 4, 1)


def test_a_far_cell_is_refused_in_bulk():
    import pytest
    from trappe_xl.errors import LimitError
    with pytest.raises(LimitError, match="kolonne 2.001"):
        limits._SheetShape("t", limits.WORKBOOK).feed(_xml([(1, 1), (200001, 2001)]))
