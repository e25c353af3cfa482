"""A stand-in for Statistikbanken in tests (SYNTHETIC figures), in two forms: an
httpx.MockTransport handler (:class:`FakeStatbank`) and a real HTTP server on 127.0.0.1
(:func:`serve`) that the command line reaches through ``TRAPPE_STATBANK_URL``.

What it serves follows DST's documentation and the recorded traffic in ../shared/data (see
../shared/docs/statbank-first-contact.md), not the project's own parser:

- tableinfo: JSON with ``id``, ``text``, ``unit``, ``updated``, ``active`` and ``variables`` (id,
  text, elimination, time, values with id/text); ``suppressedDataValue`` "0";
- data: ``;``-separated, header = the variable ids as requested, upper-cased, + ``INDHOLD``;
  BOM and CRLF as the recorded CSV. The REGK area list is Hele landet, the 5 regions, the 98 and
  DST's municipality groups 910–960; REGK100 answers only the (funktion, gruppering) pairs that
  exist (a grouping is not booked under every function);
- errors: HTTP 400 with ``{"errorTypeCode", "message"}`` (third-party write-ups).

Quirks (``quirks=...``), each a documented or plausible behaviour of the live service:

- ``"omit_zeros"``: BULK leaves out every row whose value is 0 (documented); values are 0 where
  :func:`synthetic_value` is divisible by 4 (a header alone when a whole part is 0)
- ``"header_only_regk100_<year>"``: REGK100's part for that year is a header with no rows
- ``"no_final_newline"``: BULK bodies end without a line break (unverified either way)
- ``"header_like_tableinfo"``: the header writes the ids as tableinfo does (``Tid``)
- ``"no_52825"``: REGK31/REGK100 lack FUNKTION 52825 and 52826 (no public source lists them)
- ``"inactive_bef1a07"``: BEF1A07's tableinfo answers, its data call fails (inactive table)
- ``"new_grouping"``: REGK100 has grouping 030 under 5.28.21 (a code the key does not know)
- ``"new_area"``: REGK tableinfo lists an area 950 nobody documented
- ``"area_texts"``: the data body gives area texts ("København") instead of the codes asked for
- ``"unpadded_groupings"``: grouping codes without leading zeros (``2`` for ``002``)
- ``"no_regkc"``: no REGKC (by default its tableinfo, the grouping texts, is served)
- ``"new_measure"``: ISBU02 has a measure whose paragraph the count key does not know
- ``"no_counts"``: no ANBAAR12, ISBU02 and BU28 (EXTRACT-NOTFOUND, as for an unknown table)

BU28 (national net expenditure by measure, m DKK; recorded table list: variables measure, time,
2002–2024): its measure codes and texts are NOT known; here they are the five 5.28 functions'
names, each the national Σ of the stand-in's REGK100 netto (both dranst, every ejer and grouping)
÷ 1.000, with one decimal.

The counts tables (ANBAAR12 anbragte pr. 31.12. by place; ISBU02 children with measures by
measure) follow the recorded table list (variables, periods) and the third-party catalog (ids
``ADMKOM``/``KOMMUNEDK``/``INDSATSER``, place codes, area 0 = total, 998 = uoplyst). ISBU02's
measure codes are NOT known: the hierarchy here (group totals beside their members, texts naming
the paragraph as "(SEL §11.3.1 / BL §30.1.1)") is this project's assumption. Its figures behave
like DST's: a group total counts unique children, so it is less than the sum of its members
(a child with two measures), and ANBAAR12's places add up to its i alt (one place per child).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from trappe_xl.reference import all_kommunekoder, kommune_by_code

SYNTHETIC_UPDATED = "2099-01-01T08:00:00"  # obviously not a real DST date
REGIONS = ("081", "082", "083", "084", "085")
GROUP_AREAS = ("910", "920", "930", "940", "960")
AREAS = ("000", *REGIONS, *all_kommunekoder(), *GROUP_AREAS)
# Population tables list every municipality plus regions and landsdele ("1" = Landsdel Byen
# København), as DST's do; the fetch asks for Hele landet and the 98 by name.
POP_AREAS = ("000", "084", "1", *all_kommunekoder())
YEARS = tuple(str(y) for y in range(2007, 2025))
#: the groupings booked under each function (DST's REGK100 has no row for other pairs)
GROUPINGS = {"52820": ("001", "002", "003", "999"), "52821": ("002", "003", "005", "016", "017", "999"),
             "52822": ("002", "004", "005", "999"), "52823": ("001", "002"), "52824": ("001",),
             "52825": ("001",), "52826": ("001",), "32201": ("001",)}
NEW_GROUPING = ("52821", "030")
GROUPING_TEXTS = {"002": "Forebyggende foranstaltninger", "003": "Undersøgelser",
                  "004": "Plejefamilier", "005": "Netværksplejefamilier", "016": "Rådgivning § 11",
                  "017": "Familierettede indsatser § 11", "999": "Ikke-autoriserede grupperinger",
                  "001": "Gruppering 001", "030": "Ny gruppering"}


#: ANBAAR12's places (third-party catalog of live pulls)
PLACES = {"0": "I alt", "1": "Netværksplejefamilie", "21": "Almindelig plejefamilie",
          "22": "Kommunal plejefamilie", "23": "Almen plejefamilie", "24": "Forstærket plejefamilie",
          "25": "Specialiseret plejefamilie", "26": "Plejefamilie efter § 76 a",
          "9": "Døgninstitution, almindelig afdeling", "7": "Delvis lukket døgninstitution",
          "8": "Døgninstitution, sikret afdeling", "27": "Opholdssted for børn og unge",
          "11": "Kost- og/eller efterskole", "6": "Eget værelse, kollegium, kollegielignende opholdssted",
          "99": "Uoplyst"}
PLACE_STEP = {"1": 4, **{c: 5 for c in ("21", "22", "23", "24", "25", "26")},
              **{c: 6 for c in ("9", "7", "8", "27", "11", "6")}}
#: ISBU02's measures as assumed here: group -> members (texts name the paragraph)
MEASURES = {"0": "I alt",
            "100": "Forebyggende indsatser (SEL §11 / BL §30)",
            "110": "Konsulentbistand, herunder familierettede indsatser (SEL §11.3.1 / BL §30.1.1)",
            "120": "Netværks- eller samtalegrupper (SEL §11.3.2 / BL §30.1.2)",
            "130": "Andre forebyggende indsatser (SEL §11.3.4 / BL §30.1.4)",
            "200": "Støttende indsatser (SEL §52.3 / BL §32)",
            "210": "Praktisk, pædagogisk eller anden støtte i hjemmet (SEL §52.3.2 / BL §32.1.1)",
            "220": "Familiebehandling (SEL §52.3.3 / BL §32.1.2)",
            "230": "Aflastningsophold (SEL §52.3.5 / BL §32.1.4)",
            "240": "Fast kontaktperson (SEL §52.3.6 / BL §32.1.5)",
            "300": "Anbringelse uden for hjemmet (SEL §52.3.7 / BL §43)"}
NEW_MEASURE = ("250", "Særlig støtte (SEL §54 c / BL §99)")
MEASURE_GROUPS = {"100": ("110", "120", "130"), "200": ("210", "220", "230", "240")}
MEASURE_STEP = {"100": 2, "200": 3}
COUNT_AREAS = ("0", *all_kommunekoder(), "998")
#: BU28 as assumed here: measure -> (text, the REGK31 function it sums)
BU28_MEASURES = {"0": ("Nettoudgifter i alt", None), "1": ("Forebyggende foranstaltninger", "52821"),
                 "2": ("Plejefamilier", "52822"), "3": ("Opholdssteder mv.", "52820"),
                 "4": ("Døgninstitutioner", "52823"), "5": ("Sikrede døgninstitutioner", "52824")}


def bu28_value(code: str, year: str, quirks=(), ejer=("0", "1", "2")) -> float:
    """The stand-in's BU28 figure (mio. kr.): Σ over the 98 kommuner of its REGK100 netto (art
    TOT, dranst 1 and 2, every ejer and grouping, 1.000 kr.) for the measure's function ÷ 1.000;
    i alt = Σ of the measures."""
    if code == "0":
        return sum(bu28_value(c, year, quirks, ejer) for c in BU28_MEASURES if c != "0")
    f = BU28_MEASURES[code][1]
    return sum(dst_value((k, f, d, e, g, "TOT", "LOBM", year), quirks)
               for k in all_kommunekoder() for d in ("1", "2") for e in ejer
               for g in GROUPINGS[f]) / 1000.0
COUNT_TABLES = ("ANBAAR12", "ISBU02")


def count_value(table: str, area: str, code: str, year: str, quirks=()) -> int:
    """The fake's count for one cell. Members/places: small synthetic figures; ANBAAR12's i alt
    = Σ places; an ISBU02 group = Σ members − the smallest (children with two measures), i alt
    = the groups + anbringelse − 1; area 0 = Σ kommuner and uoplyst."""
    if area == "0":
        return sum(count_value(table, a, code, year, quirks) for a in COUNT_AREAS[1:])
    if table == "ANBAAR12":
        if code == "0":
            return sum(count_value(table, area, c, year, quirks) for c in PLACES if c != "0")
        return 1 + synthetic_value((area, code, year)) % 23
    members = dict(MEASURE_GROUPS)
    if "new_measure" in set(quirks):
        members["200"] = (*members["200"], NEW_MEASURE[0])
    if code in members:
        vals = [count_value(table, area, m, year, quirks) for m in members[code]]
        return sum(vals) - min(vals)
    if code == "0":
        return sum(count_value(table, area, c, year, quirks) for c in ("100", "200", "300")) - 1
    return 2 + synthetic_value((area, code, year)) % 41


def expected_children(year: int, kommune: str, trin: int, quirks=()) -> float | None:
    """Children in the measure during ``year`` on ``trin`` as the issue defines it, from the
    fake's own figures: ISBU02's group total for trin 2/3, the mean of ANBAAR12's 31.12. counts
    of y−1 and y for 4, 5, 4–5, 6 (None when a year is outside the table)."""
    if trin in (2, 3):
        if not 2015 <= year <= 2024:
            return None
        code = next(c for c, t in MEASURE_STEP.items() if t == trin)
        return float(count_value("ISBU02", kommune, code, str(year), quirks))
    if not 2012 <= year <= 2024:
        return None
    steps = (4, 5) if trin == 45 else (trin,)

    def stock(y):
        return sum(count_value("ANBAAR12", kommune, c, str(y), quirks)
                   for c, t in PLACE_STEP.items() if t in steps)
    return (stock(year - 1) + stock(year)) / 2.0


def _var(vid: str, codes, *, time: bool = False, elimination: bool = True, texts=None) -> dict:
    texts = texts or {}
    return {"id": vid, "text": vid.lower(), "elimination": elimination, "time": time,
            "values": [{"id": c, "text": texts.get(c, f"synthetic {c}")} for c in codes]}


def synthetic_tableinfos(quirks=(), years=YEARS) -> dict[str, dict]:
    """The fake's tableinfo; ``years`` = the accounts years it has (FOLK1A from 2008 to the last)."""
    quirks = set(quirks)
    years = tuple(str(y) for y in years)
    last = int(years[-1])
    ages = [str(a) for a in range(0, 30)] + ["IALT"]
    funcs = [str(c) for c in range(52820, 52827)] + ["32201"]
    if "no_52825" in quirks:
        funcs = [f for f in funcs if f not in ("52825", "52826")]
    areas = [*AREAS, "950"] if "new_area" in quirks else list(AREAS)
    names = {c: k.navn for c, k in kommune_by_code().items()} | {"000": "Hele landet"}
    groupings = sorted({g for f in funcs for g in GROUPINGS[f]} | ({"030"} if "new_grouping" in quirks else set()))
    accounts = [_var("OMRÅDE", areas, texts=names), _var("FUNKTION", funcs), _var("DRANST", ["1", "2", "3"]),
                _var("ART", ["TOT", "UE", "I", "S1"]), _var("PRISENHED", ["LOBM", "INDL"], elimination=False)]
    infos = {
        "REGK31": [*accounts, _var("Tid", years, time=True, elimination=False)],
        "REGK100": [*accounts[:3], _var("EJER", ["0", "1", "2"], elimination=False),
                    _var("GRUPPERING", groupings, texts=GROUPING_TEXTS),
                    *accounts[3:], _var("Tid", years, time=True, elimination=False)],
        "FOLK1A": [_var("OMRÅDE", POP_AREAS), _var("KØN", ["TOT", "1", "2"]), _var("ALDER", ages),
                   _var("CIVILSTAND", ["TOT", "U", "G"]),
                   _var("Tid", [f"{y}K{q}" for y in range(2008, last + 1) for q in (1, 2, 3, 4)], time=True,
                        elimination=False)],
        "BEF1A07": [_var("OMRÅDE", POP_AREAS), _var("KOEN", ["M", "K"]), _var("ALDER", ages),
                    _var("Tid", ["2005", "2006", "2007"], time=True, elimination=False)],
        "NAN1": [_var("TRANSAKT", ["B1GQK", "P3S13D"]), _var("PRISENHED", ["V_M", "LAN_M"]),
                 _var("Tid", [str(y) for y in range(1966, last + 1)], time=True, elimination=False)],
    }
    if "no_counts" not in quirks:
        measures = {**MEASURES, **(dict([NEW_MEASURE]) if "new_measure" in quirks else {})}
        infos["ANBAAR12"] = [
            {**_var("ADMKOM", COUNT_AREAS, texts=names | {"0": "Hele landet", "998": "Uoplyst kommune"}),
             "text": "administrationskommune"},
            {**_var("ANBSTED", list(PLACES), texts=PLACES), "text": "anbringelsessted"},
            _var("Tid", [str(y) for y in range(2011, last + 1)], time=True, elimination=False)]
        infos["ISBU02"] = [
            {**_var("KOMMUNEDK", COUNT_AREAS, texts=names | {"0": "Hele landet", "998": "Uoplyst kommune"}),
             "text": "kommune"},
            {**_var("INDSATSER", list(measures), texts=measures), "text": "indsats"},
            _var("Tid", [str(y) for y in range(2015, last + 1)], time=True, elimination=False)]
    if "no_counts" not in quirks:
        infos["BU28"] = [{**_var("FORANSTALTNING", list(BU28_MEASURES),
                                 texts={c: t for c, (t, _) in BU28_MEASURES.items()}), "text": "foranstaltning"},
                         _var("Tid", [str(y) for y in range(2002, last + 1)], time=True, elimination=False)]
    out = {t: {"id": t, "text": f"synthetic {t}", "unit": "-", "updated": SYNTHETIC_UPDATED,
               "active": t != "BEF1A07", "suppressedDataValue": "0", "variables": v}
           for t, v in infos.items()}
    if "no_regkc" not in quirks:
        codes = [f"{d}{f}{g}" for d in ("1", "2") for f in funcs if f.startswith("528")
                 for g in GROUPINGS[f]]
        out["REGKC"] = {"id": "REGKC", "text": "synthetic REGKC", "unit": "-", "updated": SYNTHETIC_UPDATED,
                        "active": True, "variables": [
                            _var("DRANSTFUNKGRP", codes, texts={c: GROUPING_TEXTS.get(c[-3:], "?") for c in codes}),
                            _var("Tid", [str(y) for y in range(2018, last + 1)], time=True, elimination=False)]}
    return out


def synthetic_value(cell: tuple[str, ...]) -> int:
    """A deterministic synthetic figure for one cell (sum of its codes' digits, times 7)."""
    return 7 * sum(int(ch) for code in cell for ch in code if ch.isdigit())


def dst_value(cell: tuple[str, ...], quirks=()) -> int:
    """What the fake holds for a cell: :func:`synthetic_value`, or 0 under ``omit_zeros`` where
    that is divisible by 4."""
    v = synthetic_value(cell)
    return 0 if "omit_zeros" in quirks and v % 4 == 0 else v


def csv_body(header: list[str], rows: list[list[str]], *, final_newline: bool = True) -> bytes:
    lines = [";".join(header)] + [";".join(r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + ("\r\n" if final_newline else "")).encode("utf-8")


def _cells(request: dict, infos: dict[str, dict], quirks) -> tuple[list[str], list[tuple[str, ...]]]:
    info = {v["id"].upper(): v for v in infos[request["table"]]["variables"]}
    ids, lists = [], []
    for var in request["variables"]:
        ids.append(var["code"].upper())
        vals = var["values"]
        lists.append([v["id"] for v in info[var["code"].upper()]["values"]] if vals == ["*"] else vals)
    cells = list(itertools.product(*lists))
    if "GRUPPERING" in ids and "FUNKTION" in ids:
        f, g = ids.index("FUNKTION"), ids.index("GRUPPERING")
        extra = {NEW_GROUPING} if "new_grouping" in quirks else set()
        cells = [c for c in cells if c[g] in GROUPINGS.get(c[f], ()) or (c[f], c[g]) in extra]
    return ids, cells


def data_body(request: dict, infos: dict[str, dict], quirks=()) -> bytes:
    """The body DST would send for ``request`` (in request order; zero rows left out under
    ``omit_zeros`` in BULK)."""
    quirks = set(quirks)
    ids, cells = _cells(request, infos, quirks)
    bulk = request.get("format", "BULK").upper() == "BULK"
    rows = []
    for cell in cells:
        if request["table"] == "BU28":
            tid = ids.index("TID")
            v = bu28_value(cell[1 - tid], cell[tid], quirks)
            rows.append([*cell, f"{v:.1f}"])
            continue
        if request["table"] in COUNT_TABLES:
            tid = ids.index("TID")
            area, code = (cell[i] for i in range(len(cell)) if i != tid)
            v = count_value(request["table"], area, code, cell[tid], quirks)
            v = 0 if "omit_zeros" in quirks and area == "998" else v
        else:
            v = dst_value(cell, quirks)
        if bulk and v == 0 and "omit_zeros" in quirks:
            continue
        shown = list(cell)
        if "unpadded_groupings" in quirks and "GRUPPERING" in ids:
            i = ids.index("GRUPPERING")
            shown[i] = shown[i].lstrip("0") or "0"
        if "area_texts" in quirks and "OMRÅDE" in ids and request["table"].startswith("REGK"):
            i = ids.index("OMRÅDE")
            shown[i] = "København" if shown[i] == "101" else shown[i]
        rows.append([*shown, str(v)])
    year = next((v["values"] for v in request["variables"] if v["code"].upper() == "TID"), [""])[0]
    if f"header_only_{request['table'].lower()}_{year}" in quirks:
        rows = []
    header = [v["code"] if "header_like_tableinfo" in quirks else v["code"].upper()
              for v in request["variables"]]
    return csv_body(header + ["INDHOLD"], rows,
                    final_newline=not (bulk and "no_final_newline" in quirks))


def expected_accounts(table: str, infos, years, quirks=()) -> dict[tuple, float]:
    """(aar, kommunekode, funktion code, dranst, gruppering, art) -> value, as the fake holds it,
    for the cells the project's plan asks for (98 kommuner, 52820–52826 present in tableinfo,
    dranst 1/2, art TOT/UE/I), summed over ejer; absent = 0. For checking a fetched snapshot."""
    quirks = set(quirks)
    info = {v["id"].upper(): [x["id"] for x in v["values"]] for v in infos[table]["variables"]}
    funcs = [f for f in info["FUNKTION"] if f.startswith("528")]
    out: dict[tuple, float] = {}
    for y, k, f, d, a in itertools.product(years, all_kommunekoder(), funcs, ("1", "2"), ("TOT", "UE", "I")):
        if table == "REGK31":
            out[(y, k, f, d, "*", a)] = dst_value((k, f, d, a, "LOBM", str(y)), quirks)
            continue
        groups = list(GROUPINGS[f]) + (["030"] if "new_grouping" in quirks and f == NEW_GROUPING[0] else [])
        for g in groups:
            out[(y, k, f, d, g, a)] = sum(dst_value((k, f, d, e, g, a, "LOBM", str(y)), quirks)
                                          for e in info["EJER"])
    return out


class FakeStatbank:
    """Serves synthetic tableinfo and data. ``script``: per call, an optional override
    (an httpx.Response, or an exception to raise) consumed in order before normal answers."""

    def __init__(self, infos: dict[str, dict] | None = None,
                 script: list[httpx.Response | Exception | None] | None = None,
                 mangle: Callable[[dict, bytes], bytes] | None = None, quirks=(), years=YEARS):
        self.quirks = set(quirks)
        self.infos = infos if infos is not None else synthetic_tableinfos(self.quirks, years)
        self.script = list(script or [])
        self.mangle = mangle
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def answer(self, path: str, body: dict) -> tuple[int, bytes, str]:
        """(status, body, content type) for one POST (or GET /subjects)."""
        with self.lock:
            self.calls.append((path, body))
            step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        if step is not None:
            return step.status_code, step.content, step.headers.get("content-type", "")
        if path.endswith("/subjects"):
            return 200, b"[]", "application/json"
        table = body.get("table")
        info = self.infos.get(table)
        if info is None:
            return 400, _error("EXTRACT-NOTFOUND", "Tabellen blev ikke fundet"), "application/json"
        if path.endswith("/tableinfo"):
            return 200, json.dumps(info, ensure_ascii=False).encode("utf-8"), "application/json"
        if table == "BEF1A07" and "inactive_bef1a07" in self.quirks:
            return 400, _error("EXTRACT-NOTALLOWED", "Tabellen er ikke aktiv"), "application/json"
        if table == "REGKC":
            return 400, _error("EXTRACT-NOTALLOWED", "kun tableinfo i denne attrap"), "application/json"
        data = data_body(body, self.infos, self.quirks)
        if self.mangle is not None:
            data = self.mangle(body, data)
        return 200, data, "text/csv; charset=utf-8"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content.decode("utf-8")) if request.content else {}
        status, data, ctype = self.answer(request.url.path, body)
        return httpx.Response(status, content=data, headers={"Content-Type": ctype} if ctype else {})

    def client(self, **kw):
        from trappe_xl.sources.statbank import StatbankClient
        sleeps: list[float] = []
        c = StatbankClient(httpx.Client(transport=httpx.MockTransport(self)), sleep=sleeps.append, **kw)
        c.sleeps = sleeps  # type: ignore[attr-defined]
        return c

    def data_calls(self) -> list[dict]:
        return [b for p, b in self.calls if p.endswith("/data")]


def _error(code: str, message: str) -> bytes:
    return json.dumps({"errorTypeCode": code, "message": message}, ensure_ascii=False).encode("utf-8")


class serve:
    """``with serve(fake) as url:`` a real HTTP server on 127.0.0.1 answering as ``fake``;
    ``url`` ends in ``/v1`` like DST's address. ``fail=True`` answers every call with HTTP 503."""

    def __init__(self, fake: FakeStatbank, *, fail: bool = False):
        self.fake, self.fail = fake, fail

    def __enter__(self) -> str:
        fake, fail = self.fake, self.fail

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, body: dict) -> None:
                if fail:
                    self._reply(503, b"Service Unavailable", "text/plain")
                    return
                self._reply(*fake.answer(self.path.split("?")[0], body))

            def do_GET(self):  # noqa: N802 - http.server's name
                self._handle({})

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                self._handle(json.loads(self.rfile.read(n).decode("utf-8")) if n else {})

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
