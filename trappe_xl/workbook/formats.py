"""Cell formats, created once per workbook (the workbook object is passed in)."""

from __future__ import annotations

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
                                 "bg_color": "#C00000", "align": "center"})
    f["head"] = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": HEAD_BG,
                               "text_wrap": True, "valign": "top", "border": 1})
    f["label"] = wb.add_format({"bold": True, "align": "right"})
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
    f["dnumb"] = wb.add_format({**small, "num_format": NUM, "align": "right", "bold": True})
    f["dpct"] = wb.add_format({**small, "num_format": PCT, "align": "right"})
    f["dint"] = wb.add_format({**small, "num_format": "0", "align": "center"})
    f["legend"] = wb.add_format({"italic": True, "font_color": "#404040"})
    f["link"] = wb.add_format({"font_color": "#0563C1", "underline": 1})
    f["text"] = wb.add_format({})
    for t in range(7):
        f[f"step{t}"] = wb.add_format({"bg_color": STEP_COLOURS[t], "font_color": "#FFFFFF",
                                       "bold": True, "valign": "vcenter", "text_wrap": True,
                                       "font_size": 9})
    return f


#: trin 0..6 colours (0 grey), reused by the charts
STEP_COLOURS = ["#A5A5A5", "#9DC3E6", "#5B9BD5", "#2E75B6", "#F4B183", "#ED7D31", "#C55A11"]
