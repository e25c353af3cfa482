"""Danish text blocks (Forside, Vejledning, Om data, Rettelser) rendered from jinja2 templates.

The templates live in the project's top-level ``templates/`` folder. A source checkout (fresh clone,
editable install) reads them there; an installed wheel ships the same files as the package
``trappe_xl.templates`` (pyproject.toml maps that package to ``templates/``).

A template renders to lines; "# " starts a title, "## " a heading, anything else is a paragraph.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

#: one file every template folder holds (tells the checkout's folder from an unrelated one)
_MARKER = "vejledning.j2"
_CHECKOUT = Path(__file__).resolve().parents[2] / "templates"


@cache
def template_dir():
    """The folder the templates are read from: the checkout's ``templates/``, else the installed
    package ``trappe_xl.templates``."""
    if (_CHECKOUT / _MARKER).is_file():
        return _CHECKOUT
    try:
        found = resources.files("trappe_xl.templates")
    except ModuleNotFoundError:
        found = None
    if found is None or not found.joinpath(_MARKER).is_file():
        raise FileNotFoundError(f"skabelonerne findes hverken i {_CHECKOUT} eller i den "
                                "installerede pakke trappe_xl.templates")
    return found


_ENV = jinja2.Environment(loader=jinja2.FunctionLoader(
    lambda name: template_dir().joinpath(name).read_text(encoding="utf-8")),
    autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)


def render(name: str, **context) -> list[str]:
    text = _ENV.get_template(f"{name}.j2").render(**context)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


#: characters of an 11 pt paragraph that fit one line of a text column (per unit of column width)
CHARS_PER_WIDTH = 1.1
LINE_PT = 15


def line_count(line: str, width: float) -> int:
    """Lines a wrapped paragraph takes in a column ``width`` characters wide (a safe estimate)."""
    per_line = max(10, int(width * CHARS_PER_WIDTH) - 4)
    return max(1, math.ceil(len(line) / per_line))


def write_lines(ws, fmt: dict, lines: list[str], first_row: int = 0, col: int = 0,
                width: float | None = None) -> int:
    """Write rendered lines down a column; returns the next free row. With ``width`` (the column's
    width in characters) paragraphs wrap and their rows get the height the wrapped text needs."""
    r = first_row
    para = fmt.get("para") if width else None
    for line in lines:
        if line.startswith("## "):
            r += 1
            ws.write_string(r, col, line[3:], fmt["h2"])
        elif line.startswith("# "):
            ws.write_string(r, col, line[2:], fmt["title"])
            r += 1
        elif para is not None:
            ws.write_string(r, col, line, para)
            n = line_count(line, width)
            if n > 1:
                ws.set_row(r, n * LINE_PT)
        else:
            ws.write_string(r, col, line)
        r += 1
    return r


def text_page(ws, width: float, last_row: int, last_col: int = 0) -> None:
    """Print setup of a text sheet: A4 portrait, one page wide, wrapped column."""
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_footer("&L&8Indsatstrappens Udgiftsmodel – &A&R&8Side &P af &N")
