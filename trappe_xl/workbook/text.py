"""Danish text blocks (Forside, Vejledning, Om data, Rettelser) rendered from jinja2 templates.

A template renders to lines; "# " starts a title, "## " a heading, anything else is a paragraph.
"""

from __future__ import annotations

from importlib import resources

import jinja2

_ENV = jinja2.Environment(loader=jinja2.FunctionLoader(
    lambda name: resources.files("trappe_xl.templates").joinpath(name).read_text(encoding="utf-8")),
    autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)


def render(name: str, **context) -> list[str]:
    text = _ENV.get_template(f"{name}.j2").render(**context)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def write_lines(ws, fmt: dict, lines: list[str], first_row: int = 0, col: int = 0) -> int:
    """Write rendered lines down a column; returns the next free row."""
    r = first_row
    for line in lines:
        if line.startswith("## "):
            r += 1
            ws.write_string(r, col, line[3:], fmt["h2"])
        elif line.startswith("# "):
            ws.write_string(r, col, line[2:], fmt["title"])
            r += 1
        else:
            ws.write_string(r, col, line)
        r += 1
    return r
