"""The words a TRAPPE function accepts, shared by its two routes: the xlwings functions
(trappe_xl.udf.arguments, trappe_xl.udf.places) and the LAMBDA names in the workbook
(trappe_xl.workbook.lambdas writes these lists into the formulas). One list each, so the routes
cannot drift apart. Tuples, not sets: the LAMBDA names list them in this order (a build is
byte-identical from the same inputs).
"""

from __future__ import annotations

from . import reference
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
              "krprindbygger": "kr_pr_indbygger", "prindbygger": "kr_pr_indbygger",
              "krprbarniindsatsen": "pr_barn", "prbarniindsatsen": "pr_barn", "prbarn": "pr_barn",
              "krprbarn": "pr_barn", "barn": "pr_barn"}

LOEBENDE = ("løbende", "lobende", "loebende", "løbende priser", "lobende priser", "loebende priser",
            "lb", "løb")
JA = ("ja", "med", "med refusion", "inkl", "inkl.", "sand", "true", "1")
NEJ = ("nej", "uden", "uden refusion", "ekskl", "ekskl.", "falsk", "false", "0")

HELE_LANDET_NAMES = ("hele landet", "landet", "danmark", "000", "hele danmark")


#: the totals' step codes (model.TRIN_I_ALT = 8, model.TRIN_I_ALT_PAA_TRIN = 7) -> their labels
TOTAL_LABELS = {8: "I alt", 7: "I alt på trin"}


def combined_parts(code: int) -> tuple[int, ...]:
    """The steps a combined step code stands for (23 -> (2, 3)): reference.SAMLET_TRIN when the
    key defines it, else the code's digits; () for a plain step."""
    table = getattr(reference, "SAMLET_TRIN", None) or {}
    if code in table:
        return tuple(table[code])
    digits = str(code)
    if code > 9 and all(d in "123456" for d in digits):
        return tuple(int(d) for d in digits)
    return ()


def trin_label(trin: int) -> str:
    """A step's column label in TRAPPE_TRIN/TRAPPE_SERIE on both routes: "3 Hjemmebaserede",
    "Trin 2–3 samlet", "Ikke fordelt", "I alt"."""
    if trin in TOTAL_LABELS:
        return TOTAL_LABELS[trin]
    parts = combined_parts(trin)
    name = trin_korte_navne().get(trin)
    if parts:
        return name or f"Trin {parts[0]}–{parts[-1]}"
    return name if trin == IKKE_FORDELT else f"{trin} {name}"


def trin_names() -> dict[str, int]:
    """Every step's name and short name (lower case) -> its code, for all codes of the key."""
    names: dict[str, int] = {}
    for table in (trin_navne(), trin_korte_navne()):
        names.update({name.casefold(): t for t, name in table.items()})
    names.update({"ikke fordelt": IKKE_FORDELT, "ikke fordelt på trin": IKKE_FORDELT,
                  "ikke fordelt paa trin": IKKE_FORDELT})
    return names


#: kr. pr. barn i indsatsen: why a kommune's figure is missing, and why there is no share (both
#: TRAPPE routes say it letter by letter)
CHILD_MISSING = (": trin 2–3 tælles fra ISBU02, trin 4–6 som gennemsnit af ANBAAR12 pr. 31.12. året "
                 "før og året; trin 1 og ikke fordelt har intet børnetal")
NO_SHARE_PER_CHILD = ("en andel findes ikke i kr. pr. barn i indsatsen (hvert trin har sin egen "
                      "børnegruppe) – vælg en anden enhed")
