"""A loaded snapshot: canonical frames plus what the workbook must say about their origin."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


def _empty_children() -> pd.DataFrame:
    from .model.children import empty_children
    return empty_children()


@dataclass(frozen=True)
class Dataset:
    """Everything downstream of a snapshot.

    accounts     canonical accounts for the 98 municipalities only (see trappe_xl.frames)
    aggregates   the same columns, kommunekode = DST area code of a non-municipal area
                 ("000" Hele landet, "081".."085" regions, "9xx" groups), kept apart, never summed in
    population   canonical population (may be empty: then per-child units give missing, not zeros)
    deflator     canonical price index (may be empty: then fixed prices are an error, not 1.0)
    meta         facts for Om data/Kontrol: snapshot name, created, source, tables{updated...},
                 coverage; plain JSON-able dict
    """

    accounts: pd.DataFrame
    aggregates: pd.DataFrame
    population: pd.DataFrame
    deflator: pd.DataFrame
    meta: dict = field(default_factory=dict)
    #: DST's counts of children (ANBAAR12, ISBU02; model.children.CHILD_COLUMNS), may be empty;
    #: their codes' texts are in meta["boernetekster"]
    children: pd.DataFrame = field(default_factory=lambda: _empty_children())
