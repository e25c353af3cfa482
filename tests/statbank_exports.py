"""SYNTHETIC hand-downloads in Statistikbanken's shapes, for the import tests. Every figure is made
up (a deterministic function of its key) and must never be read as a real DST figure.

A :class:`Table` holds records whose variables carry both DST's code and its label; the writers
render it as a download would look:

- ``long_csv``: one row per figure, variables then the figure; header of API ids + INDHOLD (codes)
  or of variable names (labels), or no header; ``;`` or ``,``; with or without BOM;
- ``wide_xlsx`` / ``wide_csv``: Statistikbanken's table view — title lines, the values of one
  variable across (Tid by default), repeated labels left blank, a source line below.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import xlsxwriter

from trappe_xl import reference

NAMES = {"OMRÅDE": "Område", "KØN": "Køn", "KOEN": "Køn", "ALDER": "Alder",
         "CIVILSTAND": "Civilstand", "TID": "Tid", "TRANSAKT": "Transaktion",
         "PRISENHED": "Prisenhed", "FUNKTION": "Funktion", "DRANST": "Dranst", "ART": "Art",
         "EJER": "Ejerforhold", "GRUPPERING": "Gruppering"}
TITLE = {"FOLK1A": "Folketal den 1. i kvartalet efter område, køn, alder, civilstand og tid",
         "BEF1A07": "Folketal 1. januar efter område, køn, alder og tid",
         "NAN1": "Forsyningsbalance efter transaktion, prisenhed og tid",
         "REGK31": "Kommunernes regnskaber på funktioner efter område, funktion, dranst, art, "
                   "prisenhed og tid",
         "REGK100": "Kommunernes regnskaber på gruppering efter område, funktion, dranst, "
                    "ejerforhold, gruppering, art, prisenhed og tid"}


@dataclass
class Table:
    table: str
    variables: tuple[str, ...]
    #: each record: {variable: (code, label)} and "value": the figure as DST writes it
    records: list[dict] = field(default_factory=list)

    def add(self, value, **cells) -> None:
        self.records.append({**cells, "value": value})


def _text(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(v)


def _cell(rec: dict, var: str, labels: bool) -> str:
    code, label = rec[var]
    return label if labels else code


def long_rows(t: Table, labels: bool, header: bool) -> list[list[str]]:
    rows = []
    if header:
        rows.append([NAMES[v] if labels else v for v in t.variables] + ["Indhold" if labels else "INDHOLD"])
    rows += [[_cell(r, v, labels) for v in t.variables] + [_text(r["value"])] for r in t.records]
    return rows


def long_csv(t: Table, *, labels: bool = False, delim: str = ";", bom: bool = True,
             header: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerows(long_rows(t, labels, header))
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def wide_rows(t: Table, labels: bool, across: str = "TID") -> tuple[list[list[str]], int]:
    """Title lines, the heading row, the table (repeats blanked), the source line; and the number
    of title lines."""
    down = [v for v in t.variables if v != across]
    heads: list[str] = []
    cells: dict[tuple, dict[str, str]] = {}
    for r in t.records:
        h = _cell(r, across, labels)
        if h not in heads:
            heads.append(h)
        key = tuple(_cell(r, v, labels) for v in down)
        cells.setdefault(key, {})[h] = _text(r["value"])
    rows = [[f"{TITLE[t.table]} (SYNTETISKE TAL)"], ["Enhed: syntetisk"], []]
    n_title = len(rows)
    rows.append([""] * len(down) + heads)
    last: tuple = ()
    for key, vals in cells.items():
        shown = [("" if last[:i + 1] == key[:i + 1] else k) for i, k in enumerate(key)] if last else list(key)
        rows.append(shown + [vals.get(h, "") for h in heads])
        last = key
    rows += [[], ["Kilde: syntetiske testdata i Statistikbankens form"]]
    return rows, n_title


def wide_csv(t: Table, *, labels: bool = True, delim: str = ";", across: str = "TID") -> bytes:
    rows, _ = wide_rows(t, labels, across)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def wide_xlsx(t: Table, path, *, labels: bool = True, across: str = "TID", numbers: bool = True) -> bytes:
    """The table view as an XLSX, figures as numbers (DST's '..' stays text)."""
    rows, _ = wide_rows(t, labels, across)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v == "":
                continue
            num = v.replace(",", ".")
            if numbers and i > 3 and _is_float(num) and j >= len(t.variables) - 1:
                ws.write_number(i, j, float(num))
            else:
                ws.write_string(i, j, v)
    wb.close()
    return path.read_bytes()


def long_xlsx(t: Table, path, *, labels: bool = False, header: bool = True) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for i, row in enumerate(long_rows(t, labels, header)):
        for j, v in enumerate(row):
            if j == len(row) - 1 and (i > 0 or not header) and _is_float(v.replace(",", ".")):
                ws.write_number(i, j, float(v.replace(",", ".")))
            else:
                ws.write_string(i, j, v)
    wb.close()
    return path.read_bytes()


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


# -- synthetic tables in each shape ----------------------------------------------------------------

def area(code: str) -> tuple[str, str]:
    if code == reference.HELE_LANDET:
        return code, "Hele landet"
    if code in reference.REGION_CODES:
        return code, reference.regioner()[code]
    return code, reference.kommune_by_code()[code].navn


def children(aar: int, kode: str, alder: int) -> int:
    """SYNTHETIC count of one age group (K1, both sexes, every civil status)."""
    return 300 + (int(kode) * 7 + alder * 13 + aar) % 97


#: parts of KØN × CIVILSTAND: a total is split into these shares, which sum to the total exactly
def _split(total: int) -> dict[tuple[str, str], int]:
    m_u = total * 3 // 10
    m_g = total // 5
    k_u = total * 3 // 10
    return {("1", "U"): m_u, ("1", "G"): m_g, ("2", "U"): k_u, ("2", "G"): total - m_u - m_g - k_u}


KOEN_LABEL = {"TOT": "I alt", "1": "Mænd", "2": "Kvinder", "M": "Mænd", "K": "Kvinder"}
CIVIL_LABEL = {"TOT": "I alt", "U": "Ugift", "G": "Gift/separeret"}


def folk1a(years, kommuner, ages=range(23), *, quarters=("K1", "K2"), aggregates=("000", "084"),
           parts: bool = True, total_age: bool = True) -> Table:
    """FOLK1A with KØN and CIVILSTAND totals *and* parts (a parser that adds them counts people
    twice), two quarters (K2 figures differ), Hele landet and a region besides the kommuner."""
    t = Table("FOLK1A", ("OMRÅDE", "KØN", "ALDER", "CIVILSTAND", "TID"))
    areas = [*aggregates, *kommuner]
    koen = ("TOT", "1", "2") if parts else ("TOT",)
    civil = ("TOT", "U", "G") if parts else ("TOT",)
    for y in years:
        for q in quarters:
            for a in areas:
                members = (kommuner if a == "000" else
                           [k for k in kommuner if reference.kommune_by_code()[k].regionskode == a]
                           if a in reference.REGION_CODES else [a])
                for alder in [*(["IALT"] if total_age else []), *ages]:
                    if alder == "IALT":
                        tot = sum(children(y, k, x) * 4 for k in members for x in range(23))
                    else:
                        tot = sum(children(y, k, alder) for k in members)
                    tot += 0 if q == "K1" else 11  # another quarter, another figure
                    split = _split(tot)
                    for kk in koen:
                        for cc in civil:
                            if kk == "TOT" and cc == "TOT":
                                v = tot
                            elif kk == "TOT":
                                v = split[("1", cc)] + split[("2", cc)]
                            elif cc == "TOT":
                                v = split[(kk, "U")] + split[(kk, "G")]
                            else:
                                v = split[(kk, cc)]
                            lab = "Alder i alt" if alder == "IALT" else f"{alder} år"
                            t.add(v, **{"OMRÅDE": area(a), "KØN": (kk, KOEN_LABEL[kk]),
                                        "ALDER": (str(alder), lab), "CIVILSTAND": (cc, CIVIL_LABEL[cc]),
                                        "TID": (f"{y}{q}", f"{y}{q}")})
    return t


def bef1a07(kommuner, ages=range(23)) -> Table:
    """BEF1A07 for 2007: sex as KOEN M/K with no total (the parts must be summed)."""
    t = Table("BEF1A07", ("OMRÅDE", "KOEN", "ALDER", "TID"))
    for a in ("000", *kommuner):
        members = kommuner if a == "000" else [a]
        for alder in ages:
            tot = sum(children(2007, k, alder) for k in members)
            men = tot // 2
            for kk, v in (("M", men), ("K", tot - men)):
                t.add(v, **{"OMRÅDE": area(a), "KOEN": (kk, KOEN_LABEL[kk]),
                            "ALDER": (str(alder), f"{alder} år"), "TID": ("2007", "2007")})
    return t


def nan1_values(year: int) -> tuple[float, float]:
    """SYNTHETIC P.3 in current and chained prices (mia. kr.)."""
    chained = 500.0 + 3 * (year - 2007)
    current = round(chained * (1 + 0.021 * (year - 2020)), 1)
    return current, chained


def nan1(years) -> Table:
    """NAN1 with P.3 and another transaction (left out), both price units the deflator needs."""
    t = Table("NAN1", ("TRANSAKT", "PRISENHED", "TID"))
    for code, label in (("P3S13D", "P.3 Offentlige forbrugsudgifter"), ("P31S1MD", "P.31 Privatforbrug")):
        for unit, ulabel, i in (("V_M", "Løbende priser, (mia. kr.)", 0),
                                ("LAN_M", "2020-priser, kædede værdier, (mia. kr.)", 1)):
            for y in years:
                v = nan1_values(y)[i] * (1 if code == "P3S13D" else 2)
                t.add(v, TRANSAKT=(code, label), PRISENHED=(unit, ulabel), TID=(str(y), str(y)))
    return t


FUNKTION_LABEL = {"52821": "5.28.21 Rådgivning samt forebyggende indsatser (SYNTETISK)",
                  "52822": "5.28.22 Plejefamilier"}
DRANST_LABEL = {"1": "1 Driftskonti", "2": "2 Statsrefusion"}


def amount(aar: int, kode: str, funktion: str, dranst: str) -> float:
    """SYNTHETIC net amount in 1.000 kr. (refusion negative)."""
    base = 1000 + (int(kode) * 31 + int(funktion) + aar * 7) % 900 + 0.5
    return -round(base * 0.05, 1) if dranst == "2" else base


def regk31(years, kommuner, *, unit=("LOBM", "Løbende priser (1.000 kr.)"), with_land=True) -> Table:
    t = Table("REGK31", ("OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID"))
    for y in years:
        for a in ((["000"] if with_land else []) + list(kommuner)):
            for f in ("52821", "52822"):
                for d in ("1", "2"):
                    v = (sum(amount(y, k, f, d) for k in kommuner) if a == "000"
                         else amount(y, a, f, d))
                    t.add(round(v, 1), **{"OMRÅDE": area(a), "FUNKTION": (f, FUNKTION_LABEL[f]),
                                          "DRANST": (d, DRANST_LABEL[d]), "ART": ("TOT", "I alt (netto)"),
                                          "PRISENHED": unit, "TID": (str(y), str(y))})
    return t


EJER_LABEL = {"1": "Egne", "2": "Selvejende/private"}


def regk100(years, kommuner) -> Table:
    """REGK100: each REGK31 amount split over two groupings and two owners (summed over EJER)."""
    t = Table("REGK100", ("OMRÅDE", "FUNKTION", "DRANST", "EJER", "GRUPPERING", "ART", "PRISENHED", "TID"))
    for y in years:
        for a in kommuner:
            for f in ("52821", "52822"):
                for d in ("1", "2"):
                    v = amount(y, a, f, d)
                    for g, gshare in (("1", 0.75), ("999", 0.25)):
                        for e, eshare in (("1", 0.5), ("2", 0.5)):
                            glabel = "001" if g == "1" else "999 Ikke-autoriserede grupperinger"
                            t.add(round(v * gshare * eshare, 4),
                                  **{"OMRÅDE": area(a), "FUNKTION": (f, FUNKTION_LABEL[f]),
                                     "DRANST": (d, DRANST_LABEL[d]), "EJER": (e, EJER_LABEL[e]),
                                     "GRUPPERING": (g, glabel), "ART": ("TOT", "I alt (netto)"),
                                     "PRISENHED": ("LOBM", "Løbende priser (1.000 kr.)"),
                                     "TID": (str(y), str(y))})
    return t
