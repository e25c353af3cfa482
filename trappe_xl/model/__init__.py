"""The ladder model: pure functions from accounts + key to steps and analyses (no I/O).

``from trappe_xl import model`` gives the API of docs/design.md ("Key and model"):
apply_key, step_table, conservation, assert_conserved, Valg, serie, andele, merudgift, plus
gennemsnit (plain average per municipality) and the comparison-unit helpers kommune, gruppe,
region, kommunegruppe, hele_landet (each returns a tuple of kommunekoder).
"""

from .analysis import (SERIE_COLUMNS, TOTAL_NAVNE, TRIN_I_ALT, TRIN_I_ALT_PAA_TRIN, andele,
                       gennemsnit, member_table, merudgift, serie)
from .apply import TOLERANCE, apply_key, assert_conserved, conservation, resolve, step_table
from .units import (DERIVED_VALUE, PER_CHILD, ENHED_LABELS, ENHEDER, MAAL, Valg, derived_amounts, gruppe,
                    has_population, hele_landet, rounding_bound,
                    kommune, kommunegruppe, population_base, price_factors, region)

__all__ = ["apply_key", "step_table", "conservation", "assert_conserved", "resolve", "TOLERANCE",
           "Valg", "serie", "gennemsnit", "andele", "merudgift", "member_table", "SERIE_COLUMNS",
           "TOTAL_NAVNE", "TRIN_I_ALT", "TRIN_I_ALT_PAA_TRIN", "ENHEDER", "ENHED_LABELS", "MAAL",
           "kommune", "gruppe", "region", "kommunegruppe", "hele_landet", "population_base",
           "price_factors", "has_population", "derived_amounts", "rounding_bound", "DERIVED_VALUE", "PER_CHILD"]
