"""The one number reader (parse.read_number / read_numbers / infer_decimal), tested with hypothesis
against the formats Statistikbanken writes in Danish and English settings, and through whole
exports: a value is read exactly or refused, never read as another number."""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trappe_xl.errors import AmbiguousNumberError, NumberError, ParseError
from trappe_xl.sources import parse
from trappe_xl.sources.exports import parse_export
from trappe_xl.sources.parse import DANISH, ENGLISH, read_number, read_numbers

SETTINGS = {DANISH: ".", ENGLISH: ","}          # decimal -> thousands separator of that setting
SPACES = [" ", "\u00a0"]


def fmt(sign: int, whole: int, frac: str, decimal: str, group: str | None) -> str:
    """A number as Statistikbanken writes it: ``group`` None = no thousands separator."""
    digits = str(whole)
    if group is not None:
        digits = f"{whole:,}".replace(",", group)
    return ("-" if sign < 0 else "") + digits + (decimal + frac if frac else "")


def exact(sign: int, whole: int, frac: str) -> float:
    return float(Decimal(f"{'-' if sign < 0 else ''}{whole}.{frac or '0'}"))


numbers = st.tuples(st.sampled_from([1, -1]), st.integers(0, 10**11),
                    st.text("0123456789", min_size=0, max_size=3))
conventions = st.sampled_from([DANISH, ENGLISH])


@st.composite
def written(draw):
    """(text, value, decimal convention) as one of the two settings writes it."""
    sign, whole, frac = draw(numbers)
    decimal = draw(conventions)
    group = draw(st.sampled_from([None, SETTINGS[decimal], *SPACES]))
    return fmt(sign, whole, frac, decimal, group), exact(sign, whole, frac), decimal


@settings(max_examples=400, deadline=None)
@given(written())
@example(("1.234", 1234.0, DANISH))
@example(("12.000", 12000.0, DANISH))
@example(("1.234.567", 1234567.0, DANISH))
@example(("1.234,5", 1234.5, DANISH))
@example(("1,234", 1.234, DANISH))
@example(("1,234.5", 1234.5, ENGLISH))
@example(("1.234", 1.234, ENGLISH))
def test_known_convention_reads_every_written_number_exactly(case):
    text, value, decimal = case
    assert read_number(text, decimal=decimal) == value


@settings(max_examples=400, deadline=None)
@given(written())
def test_unknown_convention_reads_exactly_or_refuses_never_another_number(case):
    text, value, _ = case
    try:
        got = read_number(text, decimal=None)
    except AmbiguousNumberError as e:
        assert text.strip("-") in str(e) or text in str(e)
        return
    assert got == value


@settings(max_examples=300, deadline=None)
@given(written())
def test_the_other_convention_never_gives_a_wrong_number_silently_when_the_text_shows_its_setting(case):
    """Under the wrong setting a value either reads the same, is refused, or (only for the
    ambiguous shapes 1.234 / 1,234) reads as the other setting's number, which is exactly why the
    convention must come from the file and ambiguous values are refused when it does not."""
    text, value, decimal = case
    other = ENGLISH if decimal == DANISH else DANISH
    try:
        got = read_number(text, decimal=other)
    except NumberError:
        return
    if got != value:
        with pytest.raises(AmbiguousNumberError):
            read_number(text, decimal=None)


@pytest.mark.parametrize("text", ["12x4", "1234 kr", "kr 12", "NaN", "nan", "inf", "-inf", "1e5", "1E5",
                                  "0x10", "1.23", "12 34", "1..2", "1,,2", "--5", "−", "+", "5-",
                                  "1.234,5.6", "١٢", "½", "12%", "(12)", "1_000", "True", "9" * 17])
def test_non_numbers_are_refused_under_every_convention(text):
    for decimal in (DANISH, ENGLISH, None):
        if text in ("1.23",) and decimal != DANISH:
            continue  # 1.23 is a fine number with a decimal point
        with pytest.raises(NumberError):
            read_number(text, decimal=decimal)


@pytest.mark.parametrize("text, value", [("..", None), (".", None), ("", None), ("  ", None),
                                         ("-", 0.0), ("0", 0.0), ("−12", -12.0), ("+3", 3.0)])
def test_dst_symbols(text, value):
    for decimal in (DANISH, ENGLISH, None):
        assert read_number(text, decimal=decimal) == value


def test_typed_numbers_pass_through_and_non_finite_ones_do_not():
    assert read_number(12.5, decimal=None) == 12.5 and read_number(3, decimal=DANISH) == 3.0
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(NumberError):
            read_number(bad, decimal=None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(written(), min_size=1, max_size=30), conventions)
def test_a_column_is_read_exactly_once_one_value_shows_its_setting(cases, decimal):
    """Rewrite every value in one setting, add one value that only that setting writes (12,5 or
    7.25): the whole column is then read exactly, thousands separators included."""
    texts, values = [], []
    for _, value, _ in cases:
        sign, whole, frac = (1 if value >= 0 else -1), int(abs(Decimal(repr(value)))), ""
        d = Decimal(repr(abs(value)))
        frac = str(d - int(d))[2:] if d != int(d) else ""
        texts.append(fmt(sign, whole, frac, decimal, SETTINGS[decimal]))
        values.append(exact(sign, whole, frac))
    texts.append("12,5" if decimal == DANISH else "7.25")
    values.append(12.5 if decimal == DANISH else 7.25)
    s = pd.Series(texts, index=[f"linje {i + 2}" for i in range(len(texts))])
    assert read_numbers(s).tolist() == values


def test_danish_thousands_in_a_semicolon_file_with_decimal_commas_are_thousands():
    """The issue's case: '1.234' in a ';'-file with Danish decimal commas is 1234, '12.000' 12000."""
    head = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD"
    rows = ["101;52821;TOT;LOBM;2019;1.234", "147;52821;TOT;LOBM;2019;12.000", "151;52821;TOT;LOBM;2019;12,5",
            "153;52821;TOT;LOBM;2019;1.234.567"]
    acc = parse_export(("\r\n".join([head, *rows]) + "\r\n").encode(), "x.csv").parsed.accounts
    assert acc["beloeb_1000kr"].tolist() == [1234.0, 12000.0, 12.5, 1234567.0]


def test_ambiguous_values_are_refused_when_nothing_in_the_file_decides():
    head = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD"
    body = "\r\n".join([head, "101;52821;TOT;LOBM;2019;1.234", "147;52821;TOT;LOBM;2019;7"]) + "\r\n"
    with pytest.raises(AmbiguousNumberError, match=r"x.csv, linje 2: '1.234' kan betyde både 1234 .* og 1.234"):
        parse_export(body.encode(), "x.csv")


def test_danish_labels_decide_for_values_that_do_not():
    rows = [["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", "København", "1.234"],
            ["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", "Aarhus", "12.000"]]
    acc = parse_export(_csv(rows, ","), "x_2020.csv").parsed.accounts
    assert acc.set_index("kommunekode")["kr_pr_indbygger"].to_dict() == {"101": 1234.0, "751": 12000.0}


def _csv(rows, delim=";") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


LABELS = ["1.000 kr., løbende priser", "I alt (netto)", "5.28.21 Rådgivning"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(numbers, min_size=3, max_size=12), st.sampled_from([";", ","]),
       st.sampled_from([None, ".", " "]))
def test_whole_danish_exports_are_read_exactly(values, delim, group):
    """A Danish-settings label export, ';' or ',' separated, with or without thousands separators:
    every municipality's value comes out exactly as written."""
    from trappe_xl import reference
    names = [k.navn for k in reference.kommuner()][:len(values)]
    rows = [[*LABELS, n, fmt(s, w, f, DANISH, group)] for n, (s, w, f) in zip(names, values)]
    acc = parse_export(_csv(rows, delim), "eksport_2021.csv").parsed.accounts
    got = acc.set_index("kommunekode")["beloeb_1000kr"]
    codes = {k.navn: k.kode for k in reference.kommuner()}
    assert {codes[n]: exact(s, w, f) for n, (s, w, f) in zip(names, values)} == got.to_dict()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(numbers, min_size=2, max_size=12), st.sampled_from([None, ","]))
def test_code_exports_in_english_settings_are_exact_or_refused(values, group):
    """A code-only export (no language in it) in English settings: exact, or refused as ambiguous
    when no value shows the setting; never a number 1.000 times off."""
    head = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD"
    from trappe_xl import reference
    codes = sorted(reference.kommunekoder())[:len(values)]
    lines = [f"{c};52821;TOT;LOBM;2019;{fmt(s, w, f, ENGLISH, group)}" for c, (s, w, f) in zip(codes, values)]
    try:
        acc = parse_export(("\r\n".join([head, *lines]) + "\r\n").encode(), "x.csv").parsed.accounts
    except ParseError as e:
        assert isinstance(e, NumberError), e
        return
    assert acc.set_index("kommunekode")["beloeb_1000kr"].to_dict() == {
        c: exact(s, w, f) for c, (s, w, f) in zip(codes, values)}


def test_to_numbers_keeps_its_old_call_and_nan_for_missing():
    out = parse.to_numbers(pd.Series(["..", "1.234", "-"]))
    assert math.isnan(out.iloc[0]) and out.iloc[1:].tolist() == [1234.0, 0.0]
