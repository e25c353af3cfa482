"""A fake Statistikbanken for tests (SYNTHETIC figures): httpx.MockTransport answering tableinfo and
data requests in DST's recorded byte format (BOM, ';', CRLF, header = variable ids + INDHOLD).

Tableinfo metadata is synthetic too: the code lists are small but shaped like DST's (ids, text,
elimination, time, values). Values are deterministic functions of the request cell, so a test can
compute the expected figure independently.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import httpx

from trappe_xl.reference import all_kommunekoder

SYNTHETIC_UPDATED = "2099-01-01T08:00:00"  # obviously not a real DST date
AREAS = ("000", "084", "101", "147", "851")
# Population tables list every municipality plus regions and landsdele ("1" = Landsdel Byen
# København), as DST's do; the fetch asks for Hele landet and the 98 by name.
POP_AREAS = ("000", "084", "1", *all_kommunekoder())
YEARS = tuple(str(y) for y in range(2007, 2025))


def _var(vid: str, codes, *, time: bool = False, elimination: bool = True) -> dict:
    return {"id": vid, "text": vid.lower(), "elimination": elimination, "time": time,
            "values": [{"id": c, "text": f"synthetic {c}"} for c in codes]}


def synthetic_tableinfos() -> dict[str, dict]:
    ages = [str(a) for a in range(0, 30)] + ["IALT"]
    funcs = [str(c) for c in range(52820, 52827)] + ["32201"]
    accounts = [_var("OMRÅDE", AREAS), _var("FUNKTION", funcs), _var("DRANST", ["1", "2", "3"]),
                _var("ART", ["TOT", "UE", "I", "S1"]), _var("PRISENHED", ["LOBM", "INDL"], elimination=False)]
    infos = {
        "REGK31": [*accounts, _var("Tid", YEARS, time=True, elimination=False)],
        "REGK100": [*accounts[:3], _var("EJER", ["1", "2", "0"]), _var("GRUPPERING", ["1", "2", "999"]),
                    *accounts[3:], _var("Tid", YEARS, time=True, elimination=False)],
        "FOLK1A": [_var("OMRÅDE", POP_AREAS), _var("KØN", ["TOT", "1", "2"]), _var("ALDER", ages),
                   _var("CIVILSTAND", ["TOT", "U", "G"]),
                   _var("Tid", [f"{y}K{q}" for y in range(2008, 2025) for q in (1, 2, 3, 4)], time=True,
                        elimination=False)],
        "BEF1A07": [_var("OMRÅDE", POP_AREAS), _var("KOEN", ["M", "K"]), _var("ALDER", ages),
                    _var("Tid", ["2005", "2006", "2007"], time=True, elimination=False)],
        "NAN1": [_var("TRANSAKT", ["B1GQK", "P3S13D"]), _var("PRISENHED", ["V_M", "LAN_M"]),
                 _var("Tid", [str(y) for y in range(1966, 2025)], time=True, elimination=False)],
    }
    return {t: {"id": t, "text": f"synthetic {t}", "unit": "-", "updated": SYNTHETIC_UPDATED,
                "active": True, "variables": v} for t, v in infos.items()}


def synthetic_value(cell: tuple[str, ...]) -> int:
    """A deterministic synthetic figure for one cell (sum of its codes' digits, times 7)."""
    return 7 * sum(int(ch) for code in cell for ch in code if ch.isdigit())


def csv_body(header: list[str], rows: list[list[str]]) -> bytes:
    lines = [";".join(header)] + [";".join(r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def data_body(request: dict, infos: dict[str, dict]) -> bytes:
    """The body DST would send for ``request`` (all combinations, in request order)."""
    info = {v["id"].upper(): v for v in infos[request["table"]]["variables"]}
    header, lists = [], []
    for var in request["variables"]:
        header.append(var["code"].upper())
        vals = var["values"]
        lists.append([v["id"] for v in info[var["code"].upper()]["values"]] if vals == ["*"] else vals)
    rows = [[*cell, str(synthetic_value(cell))] for cell in itertools.product(*lists)]
    return csv_body(header + ["INDHOLD"], rows)


class FakeStatbank:
    """Serves synthetic tableinfo and data. ``script``: per call, an optional override
    (an httpx.Response, or an exception to raise) consumed in order before normal answers."""

    def __init__(self, infos: dict[str, dict] | None = None,
                 script: list[httpx.Response | Exception | None] | None = None,
                 mangle: Callable[[dict, bytes], bytes] | None = None):
        self.infos = infos if infos is not None else synthetic_tableinfos()
        self.script = list(script or [])
        self.mangle = mangle
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content.decode("utf-8")) if request.content else {}
        self.calls.append((request.url.path, body))
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            if step is not None:
                return step
        if request.url.path.endswith("/tableinfo"):
            info = self.infos.get(body["table"])
            if info is None:
                return httpx.Response(400, json={"errorTypeCode": "EXTRACT-NOTFOUND",
                                                 "message": "Tabellen blev ikke fundet"})
            return httpx.Response(200, content=json.dumps(info, ensure_ascii=False).encode("utf-8"))
        data = data_body(body, self.infos)
        if self.mangle is not None:
            data = self.mangle(body, data)
        return httpx.Response(200, content=data, headers={"Content-Type": "text/csv; charset=utf-8"})

    def client(self, **kw):
        from trappe_xl.sources.statbank import StatbankClient
        sleeps: list[float] = []
        c = StatbankClient(httpx.Client(transport=httpx.MockTransport(self)), sleep=sleeps.append, **kw)
        c.sleeps = sleeps  # type: ignore[attr-defined]
        return c

    def data_calls(self) -> list[dict]:
        return [b for p, b in self.calls if p.endswith("/data")]
