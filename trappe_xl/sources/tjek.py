"""``python build.py fetch --tjek``: the first-contact check. Writes nothing.

Reads each table's tableinfo and makes one tiny data call per table, then prints every assumption
the fetch and the parser make about Statistikbanken, each "bekræftet" or "afviger: …": the
variables and codes the plan asks for (and their padding), the area codes, the time format, the
BULK body's bytes (BOM, line ends, final line break, header case), codes in the answer, and the
``updated`` stamps. ../shared/docs/statbank-first-contact.md lists what was unverified; this prints
the answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..errors import StatbankError, TableInfoError
from .fetch_plan import ACCOUNT_FUNCTIONS, ALL, DEFAULT_TABLES, TableSpec, _find_var, plan_table, table_specs
from .load import REGKC_CODE
from .parse import COUNT_TABLES, NATIONAL_TABLES, UnknownAreaError, area_kind, normalise_area, read_number
from .statbank import StatbankClient, data_url

Out = Callable[[str], None]
TIME_FORMATS = {"FOLK1A": r"[0-9]{4}K[1-4]"}


class Report:
    def __init__(self, out: Out):
        self.out, self.ok, self.off, self.blocking = out, 0, 0, 0

    def __call__(self, what: str, ok: bool, detail: str, *, blocking: bool = False) -> None:
        if ok:
            self.ok += 1
            self.out(f"  {what}: bekræftet – {detail}")
        else:
            self.off += 1
            self.blocking += blocking
            self.out(f"  {what}: afviger: {detail}" + (" (hentningen stopper på det)" if blocking else ""))


def _short(codes: Sequence[str], n: int = 8) -> str:
    codes = list(codes)
    return ", ".join(codes[:n]) + (f" … (+{len(codes) - n})" if len(codes) > n else "")


def _variables(spec: TableSpec, info: dict, r: Report) -> None:
    for var in spec.variables:
        try:
            found = _find_var(info, spec.table, var.ids, var.hints)
        except TableInfoError as e:
            r(f"variabel {' / '.join(var.ids)}", False, str(e),
              blocking=not (spec.optional or var.eliminate_if_missing))
            continue
        known = [str(v["id"]) for v in found["values"]]
        name = found["id"]
        if tuple(var.values) == (ALL,):
            r(f"{name}", True, f"{len(known)} koder, alle hentes ({_short(known, 5)})")
        else:
            missing = [c for c in var.values if c not in set(known)]
            req = [c for c in missing if var.is_required(c)]
            opt = [c for c in missing if not var.is_required(c)]
            if req:
                r(f"{name}", False, f"mangler {_short(req)}", blocking=not spec.optional)
            if opt:
                r(f"{name}", False, f"{_short(opt)} findes ikke og hentes ikke")
            if not missing:
                r(f"{name}", True, f"alle {len(var.values)} planlagte koder findes")
        if name.upper() == "OMRÅDE":
            unknown = []
            for c in known:
                try:
                    area_kind(normalise_area(c))
                except UnknownAreaError:
                    unknown.append(f"{c} ({next(v.get('text', '') for v in found['values'] if str(v['id']) == c)})")
            r("områdekoder i tabellen", not unknown,
              "kun Hele landet, regioner, DST's kommunegrupper, de 98 og Christiansø" if not unknown
              else f"ukendte koder {_short(unknown)} – de hentes ikke")
            pad = [c for c in known if c.isdigit() and len(c) < 3]
            r("områdekodernes form", not pad, "tre cifre (000, 101 …)" if not pad
              else f"uden foranstillede nuller ({_short(pad, 4)}) – læses begge")
        if name.upper() == "GRUPPERING":
            short = [c for c in known if c.isdigit() and len(c) < 3]
            r("grupperingskodernes form", not short, "tre cifre (001 …)" if not short
              else f"uden foranstillede nuller ({_short(short, 4)}) – læses begge")
    try:
        t = _find_var(info, spec.table, spec.time_ids)
    except TableInfoError as e:
        r("tidsvariabel", False, str(e), blocking=not spec.optional)
        return
    pattern = TIME_FORMATS.get(spec.table, r"[0-9]{4}")
    codes = [str(v["id"]) for v in t["values"]]
    bad = [c for c in codes if not re.fullmatch(pattern, c)]
    r(f"tid ({t['id']})", not bad and bool(codes),
      f"{codes[0]}–{codes[-1]}" if not bad and codes else f"uventede tidskoder {_short(bad)}")


def _tiny_request(spec: TableSpec, info: dict) -> dict | None:
    """One small request built by the real planner: the newest year, one code per variable
    (all of '*' and of NAN1's two price units)."""
    t = _find_var(info, spec.table, spec.time_ids)
    newest = max(int(str(v["id"])[:4]) for v in t["values"] if str(v["id"])[:4].isdigit())
    first = max(newest, spec.first_year)
    reqs = plan_table(spec, (min(first, spec.last_year), min(first, spec.last_year)), info,
                      cell_limit=10**12, notes=[])
    if not reqs:
        return None
    body = dict(reqs[0].body)
    keep_all = {"PRISENHED"} if spec.table == "NAN1" else set()
    prefer = {"OMRÅDE": "101", "FUNKTION": "52821"}
    variables = []
    for v in body["variables"]:
        vals = v["values"]
        if vals != [ALL] and v["code"].upper() not in keep_all:
            p = prefer.get(v["code"].upper())
            vals = [p] if p in vals else vals[-1:]
        variables.append({"code": v["code"], "values": vals})
    body["variables"] = variables
    return body


def _body(spec: TableSpec, request: dict, raw: bytes, r: Report) -> None:
    r("BOM", raw.startswith(b"\xef\xbb\xbf"), "svaret begynder med BOM som den optagne CSV"
      if raw.startswith(b"\xef\xbb\xbf") else "ingen BOM (læses alligevel)")
    crlf = b"\r\n" in raw
    r("linjeskift", crlf, "CRLF som den optagne CSV" if crlf else "LF, ikke CRLF (læses alligevel)")
    end = raw.endswith(b"\n")
    r("sidste linje", end, "slutter med linjeskift" if end
      else "intet linjeskift efter sidste linje (læses alligevel: alle linjer har overskriftens felter)")
    text = raw.decode("utf-8-sig", "replace")
    lines = [line.split(";") for line in text.splitlines() if line]
    if not lines:
        r("svar", False, "tomt svar", blocking=not spec.optional)
        return
    header = lines[0]
    asked = [v["code"] for v in request["variables"]]
    same = [h.upper() for h in header[:-1]] == [a.upper() for a in asked] and header[-1].upper() == "INDHOLD"
    exact_upper = all(h == h.upper() for h in header)
    r("overskrift", same and exact_upper,
      f"{';'.join(header)} (variabel-id'er med store bogstaver + INDHOLD)" if same and exact_upper
      else f"{';'.join(header)} – id'erne sammenlignes uden hensyn til store/små bogstaver"
      if same else f"{';'.join(header)} svarer ikke til forespørgslen {';'.join(asked)}",
      blocking=not same and not spec.optional)
    rows = lines[1:]
    ragged = [i for i, row in enumerate(rows, start=2) if len(row) != len(header)]
    r("datarækker", not ragged, f"{len(rows)} rækker med {len(header)} felter hver"
      + (" (ingen rækker: alle værdier 0, som BULK udelader)" if not rows else "")
      if not ragged else f"linje {ragged[0]} har et andet antal felter", blocking=bool(ragged))
    if not rows or ragged or not same:
        return
    by_id = {h.upper(): i for i, h in enumerate(header)}
    for v in request["variables"]:
        vals = v["values"]
        got = sorted({row[by_id[v["code"].upper()]] for row in rows})
        if vals == [ALL]:
            if v["code"].upper() == "GRUPPERING":
                short = [g for g in got if len(g) < 3]
                r("grupperinger i svaret", not short, f"tre cifre ({_short(got, 4)})" if not short
                  else f"uden foranstillede nuller ({_short(short, 4)}) – læses begge")
            continue
        norm = normalise_area if v["code"].upper() == "OMRÅDE" else str
        odd = [g for g in got if norm(g) not in {norm(x) for x in vals}]
        r(f"koder i svaret ({v['code']})", not odd, f"som spurgt ({_short(got, 4)})" if not odd
          else f"fik {_short(odd, 4)} for {_short(vals, 4)} – svaret kan ikke læses",
          blocking=bool(odd) and not spec.optional)
    bad = []
    for row in rows:
        try:
            read_number(row[-1], decimal=None)
        except Exception:  # noqa: BLE001 - a value the one number reader refuses
            bad.append(row[-1])
    r("værdier (INDHOLD)", not bad, "tal eller '..'" if not bad else f"kan ikke læses: {_short(bad, 4)}",
      blocking=bool(bad) and not spec.optional)


def _regkc(info: dict, r: Report) -> None:
    for var in info.get("variables", []):
        codes = [str(v["id"]) for v in var.get("values", [])]
        nine = [c for c in codes if REGKC_CODE.fullmatch(c)]
        if nine:
            ours = [c for c in nine if c[1:4] == "528"]
            r(f"grupperingstekster ({var['id']})", bool(ours),
              f"{len(nine)} koder dranst+funktion+gruppering, {len(ours)} under 5.28 (fx {ours[0]})"
              if ours else "ingen koder under 5.28")
            return
    r("grupperingstekster", False, "ingen variabel med 9-cifrede koder (dranst+funktion+gruppering); "
      "Nøgle viser så ikke DST's tekster")


def _count_key(table: str, info: dict, r: Report) -> None:
    """The count key against the table's own code list: every code has a rule, and (ISBU02) which
    measure group stands as each step's total. The texts of ISBU02's measures are assumed until
    this says "bekræftet"."""
    from ..model.children import classify, load_count_key, unclassified
    from .load import count_texts
    classes = classify(table, count_texts(info), load_count_key())
    unknown = unclassified(classes)
    r("børnenøglen", not unknown, f"alle {len(classes)} koder har en regel" if not unknown
      else f"koder uden regel (tælles ikke på et trin): {_short(unknown, 5)}")
    if table == "ISBU02":
        totals = classes[classes["rolle"] == "samlet"]
        for trin in (2, 3):
            hit = totals[totals["trin"] == trin]
            r(f"gruppetotal for trin {trin}", len(hit) == 1,
              f"{hit.iloc[0]['kode']} '{hit.iloc[0]['tekst']}'" if len(hit) == 1 else
              (f"flere: {_short([f'{c} {t!r}' for c, t in zip(hit['kode'], hit['tekst'])])}" if len(hit)
               else "ingen indsats hedder sådan – trinnet får intet børnetal"))


def run_tjek(out: Out = print, client: StatbankClient | None = None,
             functions: Sequence[str] = ACCOUNT_FUNCTIONS) -> int:
    """Print the first-contact report; 0 when nothing would stop a fetch, else 1."""
    from .fetch import _address_line
    specs = table_specs(functions)
    r = Report(out)
    out(_address_line())
    out("Førstegangstjek: læser tableinfo og laver ét lille datakald pr. tabel. Intet gemmes.")
    own = client is None
    client = client or StatbankClient()
    try:
        for table in DEFAULT_TABLES:
            spec = specs[table]
            out(f"{table}{' (valgfri)' if spec.optional else ''}:")
            try:
                info, _ = client.tableinfo(table)
            except StatbankError as e:
                r("tableinfo", False, str(e), blocking=not spec.optional)
                continue
            r("tableinfo", True, f"opdateret {info.get('updated', '?')}"
              + ("" if info.get("active", True) else ", men tabellen er markeret inaktiv"))
            if spec.info_only:
                _regkc(info, r)
                continue
            _variables(spec, info, r)
            if table in (*COUNT_TABLES, *NATIONAL_TABLES):
                _count_key(table, info, r)
            try:
                request = _tiny_request(spec, info)
            except StatbankError as e:
                r("datakald", False, f"kan ikke planlægges: {e}", blocking=not spec.optional)
                continue
            if request is None:
                continue
            try:
                raw = client.post(data_url(), request, what=f"tjek {table}")
            except StatbankError as e:
                r("datakald", False, f"{e}" + (" – tabellen udelades ved hentning" if spec.optional else ""),
                  blocking=not spec.optional)
                continue
            _body(spec, request, raw, r)
    finally:
        if own:
            client.close()
    out(f"Resultat: {r.ok} bekræftet, {r.off} afviger"
        + (f", heraf {r.blocking}, som stopper hentningen" if r.blocking else
           "; intet stopper hentningen"))
    return 1 if r.blocking else 0
