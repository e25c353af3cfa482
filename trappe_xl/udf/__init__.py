"""The TRAPPE functions: xlwings UDFs that answer from a built workbook's own tables.

``trappe_xl.udf`` is the module the workbook's ``xlwings.conf`` sheet names, so the functions
xlwings imports are the ones re-exported here from :mod:`.excel`. The package's modules, by role:

* :mod:`.arguments` — what Excel sends (floats, None, ranges) → checked, canonical arguments;
* :mod:`.places` — kommune and group names/codes → member codes;
* :mod:`.tables` — reading the built workbook's tables back (cached by file version);
* :mod:`.book` — one workbook's data ready for lookups (fast arrays, cached model runs);
* :mod:`.answers` — the functions without xlwings: look up, answer or explain in Danish;
* :mod:`.excel` — the Excel face: the ``@xw.func`` wrappers (the only module importing xlwings).

The same functions also exist as LAMBDA names inside the workbook (no Python needed):
``trappe_xl.workbook.lambdas``; docs/udf.md says how the two routes coexist.
"""

from .excel import (CATEGORY, TRAPPE_ANDEL, TRAPPE_INFO, TRAPPE_MERUDGIFT, TRAPPE_SAMMENLIGN,
                    TRAPPE_SERIE, TRAPPE_STEP, TRAPPE_TRIN, clear_cache, use_workbook)
from .excel import _book  # noqa: F401  (bench/bench_udf.py times the first load)

__all__ = ["CATEGORY", "TRAPPE_ANDEL", "TRAPPE_INFO", "TRAPPE_MERUDGIFT", "TRAPPE_SAMMENLIGN",
           "TRAPPE_SERIE", "TRAPPE_STEP", "TRAPPE_TRIN", "clear_cache", "use_workbook"]
