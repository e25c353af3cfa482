"""The words a TRAPPE function accepts, shared by its two routes: the xlwings functions
(trappe_xl.udf.arguments, trappe_xl.udf.places) and the LAMBDA names in the workbook
(trappe_xl.workbook.lambdas writes these lists into the formulas). One list each, so the routes
cannot drift apart. Tuples, not sets: the LAMBDA names list them in this order (a build is
byte-identical from the same inputs).
"""

from __future__ import annotations

from .reference import IKKE_FORDELT, trin_korte_navne, trin_navne

#: the totals' codes as trappe_xl.udf.arguments.parse_trin returns them
I_ALT = "i_alt"
I_ALT_PAA_TRIN = "i_alt_paa_trin"
#: "i alt" (Σ trin 1–6 and ikke fordelt) and "i alt på trin" (Σ 1–6); "–" read as "-"
TOTALS = {"i alt": I_ALT, "ialt": I_ALT, "total": I_ALT, "i alt (trin 1-6 og ikke fordelt)": I_ALT,
          "i alt på trin": I_ALT_PAA_TRIN, "i alt paa trin": I_ALT_PAA_TRIN,
          "trin 1-6": I_ALT_PAA_TRIN, "i alt på trin (trin 1-6)": I_ALT_PAA_TRIN}

MAAL_ALIASES = {"netto": "netto", "i alt (netto)": "netto", "udgifter (brutto)": "udgifter",
                "udgifter": "udgifter", "udgift": "udgifter", "brutto": "udgifter", "indtægter": "indtaegter",
                "indtaegter": "indtaegter", "indtægt": "indtaegter", "indtaegt": "indtaegter"}

#: a unit's key (the text without whitespace . _ - and årig/aarig/arig/kroner) -> the model's enhed
ENHED_KEYS = {"1000kr": "1000kr", "1000": "1000kr", "tkr": "1000kr", "ialt": "1000kr",
              "pr017": "pr_0_17", "017": "pr_0_17", "krpr017": "pr_0_17",
              "pr022": "pr_0_22", "022": "pr_0_22", "krpr022": "pr_0_22",
              "krprindbygger": "kr_pr_indbygger", "prindbygger": "kr_pr_indbygger"}

LOEBENDE = ("løbende", "lobende", "loebende", "løbende priser", "lobende priser", "loebende priser",
            "lb", "løb")
JA = ("ja", "med", "med refusion", "inkl", "inkl.", "sand", "true", "1")
NEJ = ("nej", "uden", "uden refusion", "ekskl", "ekskl.", "falsk", "false", "0")

HELE_LANDET_NAMES = ("hele landet", "landet", "danmark", "000", "hele danmark")


def trin_names() -> dict[str, int]:
    """Every step's name and short name (lower case) -> its code, for all codes of the key."""
    names: dict[str, int] = {}
    for table in (trin_navne(), trin_korte_navne()):
        names.update({name.casefold(): t for t, name in table.items()})
    names.update({"ikke fordelt": IKKE_FORDELT, "ikke fordelt på trin": IKKE_FORDELT,
                  "ikke fordelt paa trin": IKKE_FORDELT})
    return names
