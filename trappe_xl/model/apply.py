"""Apply the key to accounts, sum to the step table, and prove nothing was lost (conservation).

Missing values (NaN, DST "..") propagate: a step sum that includes a missing amount is missing,
never a partial sum presented as complete.
"""

from __future__ import annotations

import logging
from itertools import product

import numpy as np
import pandas as pd

from ..errors import ConservationError, KeyCoverageError, KeyValidationError, TrappeError
from .. import frames
from ..frames import ACCOUNT_KEYS, ART_TO_MAAL, FUNCTION_LEVEL, value_column
from ..key import ANY, FUNKTIONSNIVEAU, OPEN_END, PATTERN, SPECIFIC_FIELDS, Key
from ..reference import IKKE_FORDELT, SAMLET_TRIN

log = logging.getLogger(__name__)

MATCH_KEYS = ["funktion", "gruppering", "dranst", "art", "aar"]
STEP_KEYS = ["aar", "kommunekode", "trin", "maal", "dranst"]
KONTROL_KEYS = ["aar", "kommunekode", "maal", "dranst"]
TOLERANCE = 0.001
VERSION_ATTR = "noegle_version"
#: detail column: how a combined step's amount was split ("" = by the rule as written)
GRUNDLAG = "andel_grundlag"
#: the rule an account row the key does not cover is placed by (trin 0, whole amount), unless strict
UKENDT_REGEL = "UKENDT"
UKENDT_ATTR = "ukendte_koder"
UKENDT_COLUMNS = ["funktion", "gruppering", "aar_liste", "beloeb", "maal"]
SHARE_KEYS = ["aar", "kommunekode", "funktion", "dranst", "art"]


def _check_accounts(accounts: pd.DataFrame) -> str:
    value = value_column(accounts)
    missing = [c for c in ACCOUNT_KEYS if c not in accounts.columns]
    if missing:
        raise TrappeError(f"regnskabstabellen mangler kolonnerne {missing}")
    bad_art = sorted(set(accounts["art"].unique()) - set(ART_TO_MAAL))
    if bad_art:
        raise TrappeError(f"ukendte arter i regnskabet: {bad_art} (kun {sorted(ART_TO_MAAL)})")
    return value


def _year_ranges(years) -> str:
    ys, out, start = sorted(set(int(y) for y in years)), [], None
    for i, y in enumerate(ys):
        start = y if start is None else start
        if i + 1 == len(ys) or ys[i + 1] != y + 1:
            out.append(f"{start}" if start == y else f"{start}-{y}")
            start = None
    return ",".join(out)


def _coverage_error(uncovered: pd.DataFrame) -> KeyCoverageError:
    rows = (uncovered.groupby(PATTERN, sort=True)["aar"].agg(_year_ranges)
            .reset_index().rename(columns={"aar": "aar_liste"}))
    lines = [f"{r.funktion} gruppering {r.gruppering} dranst {r.dranst} art {r.art} år {r.aar_liste}"
             for r in rows.itertuples()]
    shown = "; ".join(lines[:20]) + (f" … (+{len(lines) - 20})" if len(lines) > 20 else "")
    return KeyCoverageError(
        f"Oversættelsesnøglen dækker ikke {len(lines)} konti i data: {shown}. Tilføj regler for dem "
        "(fx en ny funktion i årets kontoplan) eller send dem udtrykkeligt til trin 0.", uncovered=rows)


def unknown_codes(uncovered: pd.DataFrame, accounts: pd.DataFrame, value: str) -> pd.DataFrame:
    """Per (funktion, gruppering) the key does not cover: the years (``aar_liste``, "2024-2025")
    and the amount in the data (Σ netto, all dranst, over the 98; ``beloeb`` in the data's unit),
    largest first. ``uncovered``: distinct MATCH_KEYS rows; ``accounts``: the rows they stand for."""
    if uncovered.empty:
        return pd.DataFrame(columns=UKENDT_COLUMNS)
    keys = ["funktion", "gruppering"]
    years = uncovered.groupby(keys)["aar"].agg(_year_ranges).rename("aar_liste")
    rows = accounts.merge(uncovered[MATCH_KEYS].drop_duplicates(), on=MATCH_KEYS)
    netto = rows[rows["art"] == "TOT"]
    amount = netto.groupby(keys)[value].sum(min_count=1).rename("beloeb")
    out = pd.concat([years, amount], axis=1).reset_index()
    out["maal"] = "netto"
    out = out.sort_values("beloeb", key=lambda v: -v.abs().fillna(0), kind="stable")
    return out[UKENDT_COLUMNS].reset_index(drop=True)


def unknown_code_lines(unknown: pd.DataFrame, value: str) -> list[str]:
    """One Danish line per code the key does not cover (console, Kontrol, Om data)."""
    from ..frames import UNIT_LABELS
    unit = UNIT_LABELS.get(value, value)
    out = []
    for r in unknown.itertuples():
        grp = "uden gruppering" if r.gruppering == FUNCTION_LEVEL else f"gruppering {r.gruppering}"
        amount = ("ukendt beløb" if pd.isna(r.beloeb) else f"{r.beloeb:,.0f}".replace(",", ".")
                  + f" – {unit}, netto, summeret over kommuner og år")
        out.append(f"{r.funktion} {grp}, år {r.aar_liste}: {amount} – nøglen kender ikke koden, "
                   "beløbet står under 'ikke fordelt på trin'")
    return out


def resolve(keys: pd.DataFrame, key: Key) -> np.ndarray:
    """For each row of ``keys`` (columns MATCH_KEYS) the winning rule group (``gruppe``), -1 if none."""
    groups = key.rules.drop_duplicates("gruppe").copy()
    groups["til_aar"] = groups["til_aar"].fillna(OPEN_END).astype(int)
    left = keys.reset_index(drop=True).rename_axis("pos").reset_index()
    # function-level rows (gruppering "*" in the data) match the key's "funktion" pattern exactly
    left["gruppering"] = left["gruppering"].astype(str).replace({FUNCTION_LEVEL: FUNKTIONSNIVEAU})
    found = []
    for exact in product([True, False], repeat=len(SPECIFIC_FIELDS)):
        mask = np.ones(len(groups), dtype=bool)
        for field, ex in zip(SPECIFIC_FIELDS, exact):
            mask &= (groups[field] != ANY).to_numpy() if ex else (groups[field] == ANY).to_numpy()
        if not mask.any():
            continue
        on = ["funktion"] + [f for f, ex in zip(SPECIFIC_FIELDS, exact) if ex]
        m = left[["pos", "aar", *on]].merge(
            groups.loc[mask, [*on, "fra_aar", "til_aar", "specificitet", "gruppe"]], on=on)
        found.append(m.loc[(m["aar"] >= m["fra_aar"]) & (m["aar"] <= m["til_aar"]),
                           ["pos", "specificitet", "gruppe"]])
    out = np.full(len(left), -1, dtype=np.int64)
    if not found:
        return out
    cand = pd.concat(found, ignore_index=True)
    best = cand[cand["specificitet"] == cand.groupby("pos")["specificitet"].transform("max")]
    tied = best[best["pos"].duplicated(keep=False)]
    if len(tied):
        ids = key.rules.loc[key.rules["gruppe"].isin(tied["gruppe"]), "regel_id"]
        raise KeyValidationError("Oversættelsesnøglen er tvetydig: lige specifikke regler rammer samme "
                                 f"konto (regel_id: {', '.join(sorted(ids))})")
    out[best["pos"].to_numpy()] = best["gruppe"].to_numpy()
    return out


def _encode(accounts: pd.DataFrame) -> dict[str, pd.Categorical]:
    """The string key columns as Categoricals (codes computed once, reused for matching and sums)."""
    return {c: accounts[c].array if isinstance(accounts[c].dtype, pd.CategoricalDtype)
            else pd.Categorical(accounts[c]) for c in ACCOUNT_KEYS[1:]}


def _match_codes(cat: dict[str, pd.Categorical], aar: np.ndarray) -> np.ndarray:
    """One int64 per distinct (funktion, gruppering, dranst, art, aar)."""
    code = np.zeros(len(aar), dtype=np.int64)
    for c in ("funktion", "gruppering", "dranst", "art"):
        code = code * (len(cat[c].categories) + 1) + cat[c].codes
    return code * 10000 + (aar - aar.min() if len(aar) else aar)


def normalise_gruppering(accounts: pd.DataFrame) -> pd.DataFrame:
    """Every grouping code as :func:`frames.gruppering_code` writes it (``2`` -> ``002``), whatever
    made the frame; mapped over the distinct codes only."""
    col = accounts["gruppering"]
    mapping = {v: frames.gruppering_code(v) for v in pd.unique(col.astype(str))}
    mapping = {k: v for k, v in mapping.items() if k != v}
    if not mapping:
        return accounts
    out = accounts.copy()
    out["gruppering"] = col.astype(str).replace(mapping)
    return out


def apply_key(accounts: pd.DataFrame, key: Key, land: pd.DataFrame | None = None, *,
              strict: bool = True) -> pd.DataFrame:
    """One row per in-scope account row × rule of its winning group: the account key columns,
    ``regel_id``, ``trin``, ``andel`` and the value column (= source value × andel).

    In scope: 5.28.xx and every function the key names; other rows are left out (logged).
    An in-scope row no rule covers (a new function or grouping): ``strict`` raises KeyCoverageError
    naming every uncovered (funktion, gruppering, dranst, art, years); otherwise the row goes whole
    to trin 0 (ikke fordelt) by the pseudo-rule :data:`UKENDT_REGEL`, and ``attrs["ukendte_koder"]``
    names each code with its years and amount (records of :func:`unknown_codes`).
    ``land`` (optional, DST's Hele landet rows as accounts) gives the shares a combined step is
    split by when a kommune has no grouping data of its own (:func:`split_combined`).
    The string columns of the result are Categoricals of the string codes (same values, less
    memory, fast sums); ``attrs`` carry ``noegle_version`` and the key's ``funktioner``.
    """
    value = _check_accounts(accounts)
    accounts = normalise_gruppering(accounts)
    cat = _encode(accounts)
    funktion = cat["funktion"]
    scope_cat = key.in_scope(pd.Series(funktion.categories, dtype=str)).to_numpy()
    scope = scope_cat[funktion.codes]
    if not scope.all():
        log.info("apply_key: %d rækker uden for nøglens område udeladt (%s)", int((~scope).sum()),
                 ", ".join(sorted(set(funktion.categories[~scope_cat]))))
        accounts = accounts[scope]
        cat = {c: v[scope] for c, v in cat.items()}
    aar = accounts["aar"].to_numpy(dtype=np.int64)
    uniq_codes, first, codes = np.unique(_match_codes(cat, aar), return_index=True, return_inverse=True)
    uniq = pd.DataFrame({c: np.asarray(cat[c][first], dtype=object) for c in MATCH_KEYS[:-1]})
    uniq["aar"] = aar[first]
    winner = resolve(uniq, key)
    rules = key.rules
    unknown = pd.DataFrame(columns=UKENDT_COLUMNS)
    if (winner < 0).any():
        if strict:
            raise _coverage_error(uniq[winner < 0])
        unknown = unknown_codes(uniq[winner < 0], accounts.astype(
            {c: object for c in MATCH_KEYS[:-1]}), value)
        pseudo = int(rules["gruppe"].max()) + 1
        rules = pd.concat([rules, pd.DataFrame([{
            "regel_id": UKENDT_REGEL, "funktion": ANY, "gruppering": ANY, "dranst": ANY, "art": ANY,
            "trin": IKKE_FORDELT, "andel": 1.0, "gruppe": pseudo, "specificitet": -1}])], ignore_index=True)
        winner = np.where(winner < 0, pseudo, winner)
    group_of_row = winner[codes.reshape(-1)]
    rules = rules.sort_values(["gruppe", "trin"]).reset_index(drop=True)
    gid = rules["gruppe"].to_numpy()
    starts = np.searchsorted(gid, np.arange(gid.max() + 1), side="left")
    counts = np.bincount(gid, minlength=gid.max() + 1)
    rep = counts[group_of_row]
    row_idx = np.repeat(np.arange(len(accounts)), rep)
    offset = np.arange(len(row_idx)) - np.repeat(np.cumsum(rep) - rep, rep)
    rule_idx = np.repeat(starts[group_of_row], rep) + offset
    detail = pd.DataFrame({"aar": aar[row_idx]})
    for c in ACCOUNT_KEYS[1:]:
        detail[c] = pd.Categorical.from_codes(cat[c].codes[row_idx], dtype=cat[c].dtype)
    detail["regel_id"] = pd.Categorical.from_codes(rule_idx, categories=rules["regel_id"].astype(str))
    detail["trin"] = rules["trin"].to_numpy()[rule_idx]
    andel = rules["andel"].to_numpy()[rule_idx]
    detail["andel"] = andel
    detail[value] = accounts[value].to_numpy(dtype=float)[row_idx] * andel
    land_detail = apply_key(land, key, strict=strict) if land is not None and len(land) else None
    detail = split_combined(detail, value, land_detail)
    detail.attrs[VERSION_ATTR] = key.stamp
    detail.attrs["funktioner"] = sorted(key.funktioner)
    detail.attrs[UKENDT_ATTR] = unknown.to_dict("records")   # records: attrs are compared on concat
    return detail


def _grouping_shares(detail: pd.DataFrame, value: str, funktioner, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``: each step's share of the grouping-level amounts (columns keys + trin, andel).
    Only where every amount is present, all have one sign and the total is not 0: a share that
    could flip sign or divide by 0 is no basis to split by."""
    rows = detail[(detail["gruppering"].astype(str) != FUNCTION_LEVEL)
                  & detail["funktion"].astype(str).isin(funktioner)]
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "trin", "andel"])
    frame = rows[[*keys, "trin", value]].astype({k: str for k in keys if k != "aar"})
    per = frame.groupby([*keys, "trin"], observed=True)[value].sum(min_count=1).reset_index()
    g = per.groupby(keys)[value]
    ok = (g.transform(lambda v: v.notna().all() and ((v >= 0).all() or (v <= 0).all()))
          .astype(bool) & g.transform("sum").ne(0))
    per = per[ok]
    per["andel"] = per[value] / per.groupby(keys)[value].transform("sum")
    return per[[*keys, "trin", "andel"]]


def split_combined(detail: pd.DataFrame, value: str,
                   land_detail: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows on a combined step (function-level amounts whose groupings feed two steps) are split
    by shares derived from grouping-level data of the same year when there are any: the
    kommune's own grouping amounts (same funktion, dranst, art), else Hele landet's
    (``land_detail``: DST's area 000 through the key, else the sum over the municipalities with
    grouping data). The basis is written in ``andel_grundlag``. Rows with no such data keep the
    combined step: never an invented share."""
    detail[GRUNDLAG] = pd.Categorical.from_codes(np.zeros(len(detail), dtype=np.int8), categories=[""])
    combined = detail["trin"].isin(list(SAMLET_TRIN)).to_numpy()
    if not combined.any():
        return detail
    funktioner = set(detail.loc[combined, "funktion"].astype(str))
    own = _grouping_shares(detail, value, funktioner, SHARE_KEYS)
    national_keys = [k for k in SHARE_KEYS if k != "kommunekode"]
    if land_detail is not None and len(land_detail):
        national = _grouping_shares(land_detail, value, funktioner, national_keys)
        national_text = "Hele landets grupperinger (DST)"
    else:
        national = _grouping_shares(detail, value, funktioner, national_keys)
        national_text = "alle kommuners grupperinger i data"
    comb = detail[combined].reset_index(drop=True)
    keyed = comb.astype({k: str for k in SHARE_KEYS if k != "aar"})
    pieces, done = [], np.zeros(len(comb), dtype=bool)
    for shares, keys, text in ((own, SHARE_KEYS, "kommunens egne grupperinger"),
                               (national, national_keys, national_text)):
        if shares.empty:
            continue
        todo = keyed[~done].reset_index().rename(columns={"index": "pos"})
        m = todo[["pos", *keys]].merge(shares, on=keys)
        if m.empty:
            continue
        pos = m["pos"].to_numpy()
        part = comb.iloc[pos].reset_index(drop=True)
        part["trin"] = m["trin"].to_numpy().astype(int)
        part["andel"] = part["andel"].to_numpy() * m["andel"].to_numpy()
        part[value] = part[value].to_numpy() * m["andel"].to_numpy()
        part[GRUNDLAG] = [f"delt efter {text} {a}" for a in part["aar"]]
        pieces.append(part)
        done[np.unique(pos)] = True
    out = pd.concat([detail[~combined], comb[~done], *pieces], ignore_index=True)
    for c in ACCOUNT_KEYS[1:] + ["regel_id"]:
        if isinstance(detail[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(detail[c].dtype)
    out[GRUNDLAG] = out[GRUNDLAG].astype("category")
    order = ["aar", "kommunekode", "funktion", "dranst", "gruppering", "art", "trin"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def step_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Columns ``aar, kommunekode, trin, maal, dranst, <value>``: Σ detail per combination present,
    sorted; a sum that includes a missing amount is missing. Codes come out as plain strings."""
    value = value_column(detail)
    art = detail["art"].astype("category")
    frame = detail[["aar", "kommunekode", "trin", "dranst", value]].assign(
        maal=art.cat.rename_categories(lambda a: ART_TO_MAAL.get(a, a)))
    steps = (frame.groupby(STEP_KEYS, sort=True, observed=True)[value].sum(skipna=False, min_count=1)
             .reset_index())
    steps = steps.astype({"kommunekode": str, "maal": str, "dranst": str, "aar": int, "trin": int})
    steps = steps.sort_values(STEP_KEYS, kind="stable").reset_index(drop=True)
    steps.attrs = dict(detail.attrs)
    return steps


def _source_totals(accounts: pd.DataFrame, funktioner: list[str] | None) -> pd.DataFrame:
    value = _check_accounts(accounts)
    scope = accounts["funktion"].str.startswith("5.28.")
    if funktioner:
        scope |= accounts["funktion"].isin(funktioner)
    src = accounts[scope].assign(maal=accounts["art"].map(ART_TO_MAAL))
    return (src.groupby(KONTROL_KEYS, sort=True)[value].sum(skipna=False, min_count=1)
            .rename("kilde_total").reset_index())


def conservation(accounts: pd.DataFrame, steps: pd.DataFrame, key: Key | None = None) -> pd.DataFrame:
    """Per aar × kommunekode × maal × dranst: ``kilde_total`` (Σ in-scope source), ``trin_total``
    (Σ trin 1–6), ``ikke_fordelt`` (trin 0), ``forskel`` = kilde − (trin + ikke fordelt), ``ok``
    (|forskel| ≤ 0.001, or source and allocation both missing), and ``noegle_version``.

    A side with no rows for a combination counts 0 (rows lost show up as a difference); a side
    whose rows hold a missing value stays missing.
    """
    value = value_column(steps)
    funktioner = sorted(key.funktioner) if key is not None else steps.attrs.get("funktioner")
    on_steps = steps["trin"] != IKKE_FORDELT

    def total(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame.groupby(KONTROL_KEYS)[value].sum(skipna=False, min_count=1).rename(name)

    parts = [_source_totals(accounts, funktioner).set_index(KONTROL_KEYS)["kilde_total"],
             total(steps[on_steps], "trin_total"), total(steps[~on_steps], "ikke_fordelt")]
    kontrol = pd.concat(parts, axis=1).sort_index()
    for part in parts:
        present = kontrol.index.isin(part.index)
        kontrol[part.name] = kontrol[part.name].where(present, 0.0)
    allocated = kontrol["trin_total"] + kontrol["ikke_fordelt"]
    kontrol["forskel"] = kontrol["kilde_total"] - allocated
    both_missing = kontrol["kilde_total"].isna() & allocated.isna()
    kontrol["ok"] = (kontrol["forskel"].abs() <= TOLERANCE) | both_missing
    kontrol["noegle_version"] = steps.attrs.get(VERSION_ATTR) or (key.stamp if key else "")
    return kontrol.reset_index()


def assert_conserved(accounts: pd.DataFrame, steps: pd.DataFrame, key: Key | None = None) -> pd.DataFrame:
    """:func:`conservation`, raising ConservationError when any combination is off."""
    kontrol = conservation(accounts, steps, key)
    bad = kontrol[~kontrol["ok"]]
    if len(bad):
        first = bad.iloc[0]
        raise ConservationError(
            f"{len(bad)} kombinationer går ikke op (trin + ikke fordelt ≠ kilde), fx {first['aar']} "
            f"kommune {first['kommunekode']} {first['maal']} dranst {first['dranst']}: "
            f"kilde {first['kilde_total']} mod forskel {first['forskel']}")
    return kontrol
