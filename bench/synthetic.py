"""Full-size SYNTHETIC data for benchmarks. Every figure is random and made up: never real, never
shipped, never to be read as a municipality's accounts. Frames carry ``attrs["synthetic"] = True``.

    from synthetic import make_accounts          # when running a script inside bench/
    from bench.synthetic import make_accounts    # from the repository root

make_accounts(level="grouping") -> 98 municipalities × 2007–2024 × functions 5.28.20–5.28.26 ×
the key's named groupings (else 8–15 plus 999) per function × dranst 1, 2 × art TOT/UE/I (TOT = UE + I), about 0.1 %
missing (NaN). level="function" gives the same with gruppering "*" (REGK31 shape).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trappe_xl import reference

FUNCTIONS = tuple(f"5.28.{n}" for n in range(20, 27))
YEARS = tuple(range(2007, 2025))
MISSING_SHARE = 0.001


def _groupings(rng: np.random.Generator) -> dict[str, list[str]]:
    """Grouping codes per function: the codes the packaged key names where it places groupings one
    by one (a code it does not name would stop the build, as it should), else 8–15 codes + 999."""
    from trappe_xl.key import load_key
    rules = load_key().rules
    out = {}
    for f in FUNCTIONS:
        r = rules[rules["funktion"] == f]
        named = sorted(set(r["gruppering"]) - {"*", "funktion"})
        if (r["gruppering"] == "*").any() or not named:
            out[f] = [f"{i:03d}" for i in range(1, int(rng.integers(8, 16)) + 1)] + ["999"]
        else:
            out[f] = named
    return out


def make_accounts(level: str = "grouping", seed: int = 0, years=YEARS) -> pd.DataFrame:
    """SYNTHETIC canonical accounts in ``beloeb_1000kr`` (see module docstring)."""
    if level not in ("grouping", "function"):
        raise ValueError("level must be 'grouping' or 'function'")
    rng = np.random.default_rng(seed)
    koder = reference.all_kommunekoder()
    keys = [(f, g) for f, gs in _groupings(rng).items() for g in gs] if level == "grouping" \
        else [(f, "*") for f in FUNCTIONS]
    n_k, n_y, n_f, n_d = len(koder), len(years), len(keys), 2
    size = rng.lognormal(0, 0.8, n_k)  # municipality scale
    shape = (n_y, n_k, n_f, n_d)
    ue = rng.lognormal(6, 1.2, shape) * size[None, :, None, None]
    ue[..., 1] *= 0.05  # dranst 2 (refusion) is small
    ind = -ue * rng.uniform(0, 0.3, shape)
    ue, ind = np.round(ue, 0), np.round(ind, 0)
    idx = pd.MultiIndex.from_product([years, koder, range(n_f), ["1", "2"]],
                                     names=["aar", "kommunekode", "k", "dranst"]).to_frame(index=False)
    idx["funktion"] = np.array([k[0] for k in keys], dtype=object)[idx["k"].to_numpy()]
    idx["gruppering"] = np.array([k[1] for k in keys], dtype=object)[idx["k"].to_numpy()]
    parts = []
    for art, vals in (("UE", ue), ("I", ind), ("TOT", ue + ind)):
        frame = idx.drop(columns="k").assign(art=art, beloeb_1000kr=vals.reshape(-1))
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out.loc[rng.random(len(out)) < MISSING_SHARE, "beloeb_1000kr"] = np.nan
    out = out[["aar", "kommunekode", "funktion", "dranst", "gruppering", "art", "beloeb_1000kr"]]
    out = out.astype({"aar": int, "kommunekode": str, "funktion": str, "dranst": str,
                      "gruppering": str, "art": str})
    out.attrs["synthetic"] = True
    return out


def make_population(seed: int = 0, years=YEARS) -> pd.DataFrame:
    """SYNTHETIC population on 1 January: ages "0".."22" and "IALT" per municipality and year."""
    rng = np.random.default_rng(seed + 1)
    koder = reference.all_kommunekoder()
    per_age = rng.integers(100, 5000, len(koder))
    rows = []
    for y in years:
        for k, n in zip(koder, per_age):
            ages = np.maximum(0, n + rng.integers(-50, 50, 23))
            rows += [(y, k, str(a), float(v)) for a, v in enumerate(ages)]
            rows.append((y, k, "IALT", float(ages.sum() * 4)))
    out = pd.DataFrame(rows, columns=["aar", "kommunekode", "alder", "antal"])
    out.attrs["synthetic"] = True
    return out


def make_deflator(seed: int = 0, years=YEARS) -> pd.DataFrame:
    """SYNTHETIC price index rising about 2 % a year (not KL's or DST's index)."""
    rng = np.random.default_rng(seed + 2)
    growth = 1 + rng.uniform(0.01, 0.03, len(years))
    out = pd.DataFrame({"aar": list(years), "indeks": 100 * np.cumprod(growth)})
    out.attrs["synthetic"] = True
    return out
