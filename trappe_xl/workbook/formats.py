"""Cell formats, created once per workbook (the workbook object is passed in), and the step colours
the cells and the charts share."""

from __future__ import annotations

from .. import reference

NUM = "#,##0"          # Danish Excel shows 1.234.568
NUM1 = "#,##0.0"
PCT = "0.0%"
INPUT_BG = "#FFF2CC"
HEAD_BG = "#1F4E79"


def make_formats(wb) -> dict:
    f = {}
    f["title"] = wb.add_format({"bold": True, "font_size": 16, "font_color": HEAD_BG})
    f["h2"] = wb.add_format({"bold": True, "font_size": 12, "font_color": HEAD_BG})
    f["bold"] = wb.add_format({"bold": True})
    f["wrap"] = wb.add_format({"text_wrap": True, "valign": "top"})
    f["para"] = wb.add_format({"text_wrap": True, "valign": "top"})
    f["note"] = wb.add_format({"italic": True, "font_color": "#7F7F7F", "text_wrap": False})
    f["warn"] = wb.add_format({"bold": True, "font_color": "#C00000"})
    f["banner"] = wb.add_format({"bold": True, "font_size": 14, "font_color": "#FFFFFF",
                                 "bg_color": "#C00000", "align": "left"})
    f["head"] = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": HEAD_BG,
                               "text_wrap": True, "valign": "top", "border": 1})
    f["label"] = wb.add_format({"bold": True, "align": "right", "font_size": 9})
    f["input"] = wb.add_format({"bg_color": INPUT_BG, "border": 1, "locked": False})
    f["input_year"] = wb.add_format({"bg_color": INPUT_BG, "border": 1, "locked": False,
                                     "num_format": "0", "align": "left"})
    f["year"] = wb.add_format({"num_format": "0", "bold": True, "align": "center"})
    f["num"] = wb.add_format({"num_format": NUM, "align": "right"})
    f["num1"] = wb.add_format({"num_format": NUM1, "align": "right"})
    f["numb"] = wb.add_format({"num_format": NUM, "align": "right", "bold": True})
    f["pct"] = wb.add_format({"num_format": PCT, "align": "right"})
    f["int"] = wb.add_format({"num_format": "0"})
    f["share"] = wb.add_format({"num_format": "0.000"})
    # the dashboard's tables: 9 pt so a landscape A4 page holds both blocks and the charts
    small = {"font_size": 9}
    f["dhead"] = wb.add_format({"font_size": 8, "bold": True, "font_color": "#FFFFFF", "bg_color": HEAD_BG,
                                "text_wrap": True, "valign": "vcenter", "align": "center",
                                "border": 1})
    f["dnum"] = wb.add_format({**small, "num_format": NUM, "align": "right"})
    #: section D's figures: centred on their step's label (the step rows are tall)
    f["dstair"] = wb.add_format({**small, "num_format": NUM, "align": "right", "valign": "vcenter"})
    f["dnumb"] = wb.add_format({**small, "num_format": NUM, "align": "right", "bold": True})
    f["dpct"] = wb.add_format({**small, "num_format": PCT, "align": "right"})
    f["dint"] = wb.add_format({**small, "num_format": "0", "align": "center"})
    f["legend"] = wb.add_format({"italic": True, "font_color": "#404040"})
    f["selection"] = wb.add_format({"bold": True, "font_color": "#404040"})
    f["dnote"] = wb.add_format({"italic": True, "font_color": "#7F7F7F", "font_size": 9})
    f["dwarn"] = wb.add_format({"bold": True, "font_color": "#C00000", "font_size": 9})
    f["link"] = wb.add_format({"font_color": "#0563C1", "underline": 1})
    f["text"] = wb.add_format({})
    for t in step_codes():
        f[f"step{t}"] = wb.add_format({"bg_color": step_colour(t), "font_color": text_colour(t),
                                       "bold": True, "valign": "vcenter", "text_wrap": True,
                                       "font_size": 9})
    return f


#: the staircase as colours, light to dark from prevention (trin 1) to institution (trin 6): a
#: sequential yellow-green-blue scale (ColorBrewer YlGnBu), so the order reads without a legend
BASE_COLOURS = {1: "#C7E9B4", 2: "#7FCDBB", 3: "#41B6C4", 4: "#1D91C0", 5: "#225EA8",
                6: "#0C2C84"}
#: "ikke fordelt på trin": neutral grey, outside the scale
IKKE_FORDELT_COLOUR = "#A5A5A5"


def _mix(a: str, b: str) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{(x + y) // 2:02X}" for x, y in zip(ca, cb))


def combined_steps() -> dict[int, tuple[int, ...]]:
    """Combined steps (23 = "Trin 2-3", 45 = "Trin 4-5") once the reference defines them."""
    return dict(getattr(reference, "SAMLET_TRIN", {}))


def step_codes() -> tuple[int, ...]:
    """Every step that has a colour: 0, 1-6 and any combined step."""
    return (reference.IKKE_FORDELT, *reference.TRIN, *combined_steps())


def step_colour(t: int) -> str:
    """A step's colour; a combined step gets the colour halfway between its two members'."""
    if t == reference.IKKE_FORDELT:
        return IKKE_FORDELT_COLOUR
    if t in BASE_COLOURS:
        return BASE_COLOURS[t]
    lo, hi = combined_steps()[t]
    return _mix(BASE_COLOURS[lo], BASE_COLOURS[hi])


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def text_colour(t: int) -> str:
    """Black on the light steps, white on the dark ones."""
    return "#000000" if luminance(step_colour(t)) > 0.55 else "#FFFFFF"
