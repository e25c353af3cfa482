"""Children on the steps: DST's counts (ANBAAR12, ISBU02) through the count key (boernenoegle.csv).

*Children in the measure during year y* (:func:`children_per_step`):

- steps 2 and 3: ISBU02's count for y (unique children during the year) of the measure group the
  key names the step's total (``rolle`` "samlet"). Members (``del``) are classified and shown, never
  added up: a child with two measures is counted once in the group and once in each member.
- steps 4, 5, 6 and 4–5: the mean of ANBAAR12's counts at 31 December of y−1 and y (both needed,
  else missing). A child has one place of accommodation at a time, so a step is the sum of its
  places and 4–5 = 4 + 5 exactly.
- 2–3 only when the key names a measure group that is exactly steps 2 and 3 (none is known: "–").

A code the key does not know is "ikke fordelt" and named in :attr:`ChildCounts.warnings`; nothing
is counted for it (its children are still in DST's group totals when it is a member).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from ..reference import COUNT_STEPS
from ..errors import KeyValidationError

COUNT_TABLES = ("ANBAAR12", "ISBU02")
PLACEMENT_TABLE, MEASURE_TABLE = COUNT_TABLES
#: DST's national net expenditure by measure (mio. kr.): Kontrol's check of the step totals
NATIONAL_TABLE = "BU28"
KEY_TABLES = (*COUNT_TABLES, NATIONAL_TABLE)
#: canonical counts frame (Dataset.children): one row per table, year, area and code
CHILD_COLUMNS = ["tabel", "aar", "kommunekode", "kode", "antal"]
KEY_COLUMNS = ["regel_id", "tabel", "kode", "rolle", "trin", "grundlag", "kilde", "status"]
ROLES = {"i alt", "trin", "ikke fordelt", "samlet", "del", "anbringelse"}
STEP_COLUMNS = ["aar", "kommunekode", "trin", "boern", "kilde"]
#: a paragraph reference in a measure's text: "(SEL §11.3.1 / BL §30.1.1)", "SEL § 52 a"
_REF = re.compile(r"\b(SEL|BL)\s*§\s*(\d+)\s*([a-z])?\b((?:\.\d+)*)", re.IGNORECASE)


def empty_children() -> pd.DataFrame:
    return pd.DataFrame({"tabel": pd.Series(dtype=str), "aar": pd.Series(dtype=int),
                         "kommunekode": pd.Series(dtype=str), "kode": pd.Series(dtype=str),
                         "antal": pd.Series(dtype=float)})


def empty_steps() -> pd.DataFrame:
    return pd.DataFrame({"aar": pd.Series(dtype=int), "kommunekode": pd.Series(dtype=str),
                         "trin": pd.Series(dtype=int), "boern": pd.Series(dtype=float),
                         "kilde": pd.Series(dtype=str)})


def references(text: str) -> list[str]:
    """The paragraph references a measure's text names, normalised: "SEL §11.3.1", "SEL §52a"."""
    return [f"{law.upper()} §{num}{(letter or '').lower()}{rest}"
            for law, num, letter, rest in _REF.findall(str(text))]


@dataclass(frozen=True)
class CountKey:
    rules: pd.DataFrame
    sha256: str = ""

    def table(self, tabel: str) -> pd.DataFrame:
        return self.rules[self.rules["tabel"] == tabel]


def load_count_key(path: Path | str | None = None) -> CountKey:
    """The count key (place / measure -> step), validated: known tables, roles and steps, one rule
    per (tabel, kode), every rule with its basis and source."""
    import hashlib
    path = Path(path) if path is not None else Path(str(resources.files("trappe_xl.data")
                                                        .joinpath("boernenoegle.csv")))
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(raw.columns) != KEY_COLUMNS:
        raise KeyValidationError(f"børnenøglen {path.name}: kolonnerne skal være {', '.join(KEY_COLUMNS)}, "
                                 f"fandt {', '.join(raw.columns)}")
    raw = raw.apply(lambda s: s.str.strip())

    def bad(mask, problem):
        if mask.any():
            raise KeyValidationError(f"børnenøglen er ugyldig: {problem} (regel_id: "
                                     f"{', '.join(raw.loc[mask, 'regel_id'])})")
    bad(~raw["tabel"].isin(KEY_TABLES), f"tabel skal være en af {', '.join(KEY_TABLES)}")
    bad(~raw["rolle"].isin(ROLES), f"rolle skal være en af {', '.join(sorted(ROLES))}")
    on_step = raw["rolle"].isin({"trin", "samlet", "del"})
    bad(on_step & ~raw["trin"].isin([str(t) for t in COUNT_STEPS]),
        f"trin skal være et af {', '.join(map(str, COUNT_STEPS))} for rollerne trin/samlet/del")
    bad(~on_step & (raw["trin"] != ""), "kun rollerne trin/samlet/del har et trin")
    bad((raw["grundlag"] == "") | (raw["kilde"] == ""), "hver regel skal have grundlag og kilde")
    bad(~raw["status"].isin({"officiel", "foreløbig"}), "status skal være officiel eller foreløbig")
    bad(raw.duplicated(["tabel", "kode"], keep=False), "samme kode står flere gange")
    bad(raw.duplicated("regel_id", keep=False), "regel_id står flere gange")
    return CountKey(raw.reset_index(drop=True), hashlib.sha256(path.read_bytes()).hexdigest())


def _rule_for_ref(ref: str, rules: pd.DataFrame) -> pd.Series | None:
    """The most specific rule for one reference: an exact rule ("SEL §52.3.7") or the longest
    prefix rule ending in "." ("SEL §52.3." covers "SEL §52.3.2")."""
    best, length = None, -1
    for _, r in rules.iterrows():
        k = r["kode"]
        if k == ref or (k.endswith(".") and ref.startswith(k)):
            n = len(k) + (1 if k == ref else 0)
            if n > length:
                best, length = r, n
    return best


def classify(table: str, texts: dict[str, str], key: CountKey) -> pd.DataFrame:
    """One row per code of ``table`` (its tableinfo texts): kode, tekst, rolle, trin (0 = none),
    regel_id, status. ANBAAR12 by place code; ISBU02 by the paragraphs in the text (every
    reference must agree), a text without a paragraph by the rule named like it ("I alt")."""
    rules = key.table(table)
    rows = []
    for code, text in texts.items():
        rule = None
        if table == PLACEMENT_TABLE:
            hit = rules[rules["kode"] == str(code)]
            rule = hit.iloc[0] if len(hit) else None
        elif table == NATIONAL_TABLE:       # by a word of the text; "i alt" first
            words = str(text).casefold()
            hits = [r for _, r in rules.iterrows() if r["kode"].casefold() in words]
            totals = [r for r in hits if r["rolle"] == "i alt"]
            rule = (totals or sorted(hits, key=lambda r: -len(r["kode"])) or [None])[0]
        else:
            refs = references(text)
            if refs:
                found = [_rule_for_ref(r, rules) for r in refs]
                kinds = {(f["rolle"], f["trin"]) for f in found if f is not None}
                if all(f is not None for f in found) and len(kinds) == 1:
                    rule = found[0]
            else:
                plain = str(text).strip().lower()
                for _, r in rules.iterrows():
                    if "§" not in r["kode"] and (plain == r["kode"].lower()
                                                 or plain.endswith(" " + r["kode"].lower())):
                        rule = r
                        break
        if rule is None:
            rows.append((str(code), str(text), "ikke fordelt", 0, "", ""))
        else:
            rows.append((str(code), str(text), rule["rolle"], int(rule["trin"] or 0),
                         rule["regel_id"], rule["status"]))
    return pd.DataFrame(rows, columns=["kode", "tekst", "rolle", "trin", "regel_id", "status"])


def unclassified(classes: pd.DataFrame) -> list[str]:
    """The codes no rule of the count key covers, as "kode 'tekst'" (warnings, Kontrol, the
    first-contact check)."""
    return [f"{r.kode} '{r.tekst}'" for r in classes.itertuples() if not r.regel_id]


@dataclass
class ChildCounts:
    """Children per kommune, year and step (:data:`STEP_COLUMNS`), the codes' classification per
    table, and what the build must say (unknown codes, checks)."""

    steps: pd.DataFrame
    classes: dict[str, pd.DataFrame] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def unknown(self) -> list[str]:
        return [f"{t} {code}" for t, c in self.classes.items() for code in unclassified(c)]


def _placements(rows: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """Stock at 31 December per step (4, 5, 45, 6), then the mean of y−1 and y."""
    step_of = dict(zip(classes.loc[classes["rolle"] == "trin", "kode"],
                       classes.loc[classes["rolle"] == "trin", "trin"]))
    r = rows[rows["kode"].isin(step_of)].assign(trin=lambda d: d["kode"].map(step_of))
    if r.empty:
        return empty_steps()
    by_step = r.groupby(["aar", "kommunekode", "trin"])["antal"]
    stock = by_step.sum(min_count=1)
    unknown = by_step.apply(lambda a: bool(a.isna().any())).unstack("trin", fill_value=False)
    wide = stock.unstack("trin")
    for t in (4, 5, 6):
        if t not in wide:
            wide[t] = np.nan
    # a kommune-year holds the table's every place (BULK's left-out rows are 0): a step with no
    # row is 0; a place DST marks missing ("..") makes its step missing, never a smaller count
    wide = wide.fillna(0.0).where(wide.notna().any(axis=1), axis=0)
    wide = wide.mask(unknown.reindex(index=wide.index, columns=wide.columns, fill_value=False))
    wide[45] = wide[4] + wide[5]
    years = sorted(wide.index.get_level_values("aar").unique())
    prev = wide.rename(index=lambda y: y + 1 if isinstance(y, (int, np.integer)) else y, level="aar")
    both = wide.index.intersection(prev.index)
    mean = (wide.loc[both] + prev.loc[both]) / 2.0
    long = mean.stack().rename("boern").reset_index()
    long = long[long["aar"].isin(years)]
    long["kilde"] = f"{PLACEMENT_TABLE} (gennemsnit af 31.12. året før og året)"
    return long[STEP_COLUMNS]


def _measures(rows: pd.DataFrame, classes: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """Steps 2, 3 (and 2–3) from the measure group the key names the step's total."""
    out = []
    totals = classes[classes["rolle"] == "samlet"]
    for trin, codes in totals.groupby("trin")["kode"]:
        present = [c for c in codes if (rows["kode"] == c).any()]
        by_year = rows[rows["kode"].isin(present)].groupby("aar")["kode"].nunique()
        if (by_year > 1).any():
            warnings.append(f"{MEASURE_TABLE}: trin {trin} har flere gruppetotaler samme år "
                            f"({', '.join(present)}); de lægges ikke sammen, så trinnet har intet børnetal")
            continue
        r = rows[rows["kode"].isin(present)]
        out.append(pd.DataFrame({"aar": r["aar"], "kommunekode": r["kommunekode"], "trin": int(trin),
                                 "boern": r["antal"], "kilde": f"{MEASURE_TABLE} (" + r["kode"] + ")"}))
    return pd.concat(out, ignore_index=True)[STEP_COLUMNS] if out else empty_steps()


def children_per_step(children: pd.DataFrame | None, texts: dict[str, dict[str, str]] | None,
                      key: CountKey | None = None) -> ChildCounts:
    """Children in the measure during each year, per kommune and step (see the module doc)."""
    key = key or load_count_key()
    children = children if children is not None and len(children) else empty_children()
    texts = texts or {}
    result = ChildCounts(empty_steps())
    parts = []
    for table in COUNT_TABLES:
        rows = children[children["tabel"] == table]
        if rows.empty:
            continue
        codes = {str(c): texts.get(table, {}).get(str(c), str(c)) for c in sorted(rows["kode"].unique())}
        classes = classify(table, codes, key)
        result.classes[table] = classes
        result.warnings += [f"{table}: koden {code} kendes ikke af børnenøglen og tælles ikke på et "
                            "trin (ikke fordelt)" for code in unclassified(classes)]
        kom = rows[rows["kommunekode"].isin(reference.kommunekoder())]
        if table == PLACEMENT_TABLE:
            parts.append(_placements(kom, classes))
            _check_total(kom, classes, result.warnings)
        else:
            parts.append(_measures(kom, classes, result.warnings))
            if not (classes["rolle"] == "samlet").any():
                result.warnings.append(f"{MEASURE_TABLE}: ingen indsatsgruppe svarer til et trins "
                                       "gruppetotal; trin 2 og 3 har intet børnetal")
    parts = [p for p in parts if len(p)]
    if parts:
        steps = pd.concat(parts, ignore_index=True)
        steps["aar"] = steps["aar"].astype(int)
        steps["trin"] = steps["trin"].astype(int)
        steps["boern"] = steps["boern"].astype(float)
        result.steps = steps.sort_values(["aar", "kommunekode", "trin"]).reset_index(drop=True)
    return result


def _check_total(rows: pd.DataFrame, classes: pd.DataFrame, warnings: list[str]) -> None:
    """ANBAAR12: the places must add up to the table's own i alt (one place per child)."""
    total_codes = classes.loc[classes["rolle"] == "i alt", "kode"]
    if total_codes.empty:
        return
    tot = rows[rows["kode"].isin(total_codes)].groupby(["aar", "kommunekode"])["antal"].sum(min_count=1)
    places = rows[~rows["kode"].isin(total_codes)].groupby(["aar", "kommunekode"])["antal"].sum(min_count=1)
    diff = (places.reindex(tot.index) - tot).abs()
    if (diff > 0.5).any():
        (y, k), d = diff.idxmax(), diff.max()
        warnings.append(f"{PLACEMENT_TABLE}: anbringelsesstederne summer ikke til i alt "
                        f"(største forskel {d:.0f} børn, kommune {k} {y})")




#: the steps BU28 can be compared on: the function-level steps the accounts key uses
NATIONAL_STEPS = {23: (2, 3, 23), 45: (4, 5, 45), 6: (6,)}
NATIONAL_COLUMNS = ["aar", "trin", "vores_mio_kr", "bu28_mio_kr", "forskel", "forskel_pct", "bu28_koder"]


def national_check(children: pd.DataFrame | None, texts: dict[str, dict[str, str]] | None,
                   amounts: pd.DataFrame | None, key: CountKey | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kontrol's check against BU28: per year and comparable step (2–3, 4–5, 6) our national
    netto (Σ over the 98 kommuner, every dranst, mio. kr.) beside BU28's measures the count key
    places there, and the difference. ``amounts``: step rows in 1.000 kr. (aar, trin, maal,
    beloeb_1000kr). Returns (the comparison, BU28's codes with their classification)."""
    key = key or load_count_key()
    rows = (children[children["tabel"] == NATIONAL_TABLE] if children is not None and len(children)
            else empty_children())
    empty = pd.DataFrame(columns=NATIONAL_COLUMNS)
    if rows.empty:
        return empty, pd.DataFrame(columns=["kode", "tekst", "rolle", "trin", "regel_id", "status"])
    codes = {str(c): (texts or {}).get(NATIONAL_TABLE, {}).get(str(c), str(c)) for c in sorted(rows["kode"].unique())}
    classes = classify(NATIONAL_TABLE, codes, key)
    on = classes[classes["rolle"] == "trin"]
    bu = rows.merge(on[["kode", "trin"]], on="kode")
    if bu.empty or amounts is None or amounts.empty:
        return empty, classes
    theirs = bu.groupby(["aar", "trin"])["antal"].sum(min_count=1)
    listed = bu.groupby(["aar", "trin"])["kode"].agg(lambda k: ", ".join(sorted(set(k))))
    to_step = {t: s for s, parts in NATIONAL_STEPS.items() for t in parts}
    a = amounts[(amounts["maal"] == "netto") & amounts["trin"].isin(to_step)]
    ours = (a.assign(trin=a["trin"].map(to_step)).groupby(["aar", "trin"])["beloeb_1000kr"]
            .sum(min_count=1) / 1000.0)
    both = pd.DataFrame({"vores_mio_kr": ours, "bu28_mio_kr": theirs}).dropna()
    if both.empty:
        return empty, classes
    both["forskel"] = both["vores_mio_kr"] - both["bu28_mio_kr"]
    both["forskel_pct"] = both["forskel"] / both["bu28_mio_kr"].where(both["bu28_mio_kr"] != 0)
    both["bu28_koder"] = listed.reindex(both.index)
    out = both.reset_index()
    out["aar"] = out["aar"].astype(int)
    out["trin"] = out["trin"].astype(int)
    order = {t: i for i, t in enumerate(NATIONAL_STEPS)}      # 2–3, 4–5, 6
    out = out.sort_values(["aar", "trin"], key=lambda c: c.map(order) if c.name == "trin" else c)
    return out[NATIONAL_COLUMNS].reset_index(drop=True), classes
