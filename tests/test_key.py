"""The translation key: the packaged default and one test per validation rule (error text checked)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from synthetic import key_row, simple_key_rows, write_key
from trappe_xl.errors import KeyValidationError
from trappe_xl.key import COLUMNS, load_key

FUNCTIONS = [f"5.28.{n}" for n in range(20, 27)]


# ---------------------------------------------------------------- the packaged default key

@pytest.fixture(scope="module")
def default_key():
    return load_key()


def test_default_key_loads_with_version_stamp(default_key):
    assert default_key.version == "0.1-foreløbig"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", default_key.dato)
    assert default_key.stamp == f"{default_key.version} ({default_key.dato})"
    assert len(default_key.sha256) == 64
    assert list(default_key.rules.columns[:len(COLUMNS)]) == COLUMNS


def test_default_key_has_rules_for_every_function_and_dranst(default_key):
    r = default_key.rules
    for f in FUNCTIONS:
        for d in ("1", "2", "*"):
            sel = r[(r["funktion"] == f) & (r["dranst"] == d) & (r["gruppering"] == "*")]
            assert abs(sel["andel"].sum() - 1) < 1e-12, (f, d)


def test_default_key_steps_follow_the_domain_reconstruction(default_key):
    r = default_key.rules[(default_key.rules["dranst"] == "1") & (default_key.rules["gruppering"] == "*")]
    steps = {f: set(r.loc[r["funktion"] == f, "trin"]) for f in FUNCTIONS}
    assert steps == {"5.28.20": {6}, "5.28.21": {2, 3}, "5.28.22": {4, 5}, "5.28.23": {3, 6},
                     "5.28.24": {6}, "5.28.25": {0}, "5.28.26": {0}}


def test_default_key_every_share_says_where_it_comes_from(default_key):
    r = default_key.rules
    split = r[r["andel"] < 1]
    assert len(split) > 0
    assert split["grundlag"].str.contains("neutral pladsholder").all()
    assert split["grundlag"].str.contains("intet offentligt grundlag").all()
    assert (r["status"] == "foreløbig").all()  # nothing in the reconstruction is official
    assert (r["kilde"].str.len() > 0).all()


def test_default_key_5_28_23_rows_carry_the_2020_correction(default_key):
    r = default_key.rules
    assert r.loc[r["funktion"] == "5.28.23", "grundlag"].str.contains("Rettelse 2020").all()


def test_codes_stay_strings(default_key):
    r = default_key.rules
    assert r["funktion"].map(type).eq(str).all() and r["gruppering"].map(type).eq(str).all()
    assert "999" in set(r["gruppering"])


# ---------------------------------------------------------------- one test per validation rule

def load_rows(tmp_path, rows):
    return load_key(write_key(tmp_path / "noegle.csv", rows))


def test_valid_synthetic_key_loads(tmp_path):
    key = load_rows(tmp_path, simple_key_rows())
    assert key.version == "test-1"
    assert set(key.rules["regel_id"]) == {"S1", "S2", "S3", "S4", "S5"}


def test_missing_column(tmp_path):
    path = write_key(tmp_path / "noegle.csv", simple_key_rows())
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="status").to_csv(path, index=False)
    with pytest.raises(KeyValidationError, match=r"mangler kolonnerne \['status'\]"):
        load_key(path)


def test_duplicate_regel_id(tmp_path):
    rows = simple_key_rows() + [key_row("S1", "5.28.24", trin=6)]
    with pytest.raises(KeyValidationError, match=r"regel_id er brugt mere end én gang \(regel_id: S1\)"):
        load_rows(tmp_path, rows)


def test_empty_regel_id(tmp_path):
    rows = simple_key_rows() + [key_row("", "5.28.24", trin=6)]
    with pytest.raises(KeyValidationError, match=r"regel_id mangler \(regel_id: række 7\)"):
        load_rows(tmp_path, rows)


@pytest.mark.parametrize("field, bad, message", [
    ("funktion", "52821", "funktion skal skrives som 5.28.21"),
    ("gruppering", "1", "gruppering skal være en kode på tre cifre"),
    ("dranst", "3", "dranst skal være 1, 2 eller \\*"),
    ("art", "NET", "art skal være TOT, UE, I eller \\*"),
    ("trin", "7", "trin skal være et helt tal fra 0 til 6"),
    ("andel", "0", "andel skal være et tal med 0 < andel ≤ 1"),
    ("andel", "1.5", "andel skal være et tal med 0 < andel ≤ 1"),
    ("andel", "halvdelen", "andel skal være et tal med 0 < andel ≤ 1"),
    ("fra_aar", "07", "fra_aar skal være et årstal"),
    ("til_aar", "2020.5", "til_aar skal være et årstal eller tom"),
    ("til_aar", "2006", "til_aar ligger før fra_aar"),
    ("grundlag", "", "grundlag mangler"),
    ("kilde", "", "kilde mangler"),
    ("status", "endelig", "status skal være officiel eller foreløbig"),
])
def test_field_rules_name_the_row(tmp_path, field, bad, message):
    rows = simple_key_rows()
    rows[3][field] = bad  # S4
    with pytest.raises(KeyValidationError, match=message + r".*\(regel_id: S4\)"):
        load_rows(tmp_path, rows)


def test_shares_must_sum_to_one(tmp_path):
    rows = simple_key_rows()
    rows[1]["andel"] = 0.3  # S1 0.6 + S2 0.3
    with pytest.raises(KeyValidationError, match=r"summerer til 0.9, ikke 1 \(regel_id: S1, S2\)"):
        load_rows(tmp_path, rows)


def test_same_trin_twice_in_a_group(tmp_path):
    rows = simple_key_rows()
    rows[1]["trin"] = 2
    with pytest.raises(KeyValidationError, match=r"samme trin optræder to gange .*\(regel_id: S1, S2\)"):
        load_rows(tmp_path, rows)


def test_exclusion_is_explicit_not_a_gap(tmp_path):
    """A group that sends only part of its amount somewhere is an error; trin 0 makes it whole."""
    rows = [key_row("A", "5.28.24", trin=6, andel=0.8)]
    with pytest.raises(KeyValidationError, match=r"summerer til 0.8"):
        load_rows(tmp_path, rows)
    key = load_rows(tmp_path, rows + [key_row("B", "5.28.24", trin=0, andel=0.2)])
    assert sorted(key.rules["trin"]) == [0, 6]


def test_overlapping_year_ranges(tmp_path):
    rows = [key_row("A", "5.28.22", trin=5, til_aar=2015), key_row("B", "5.28.22", trin=4, fra_aar=2015)]
    with pytest.raises(KeyValidationError, match=r"årsintervallerne overlapper for samme konto \(regel_id: A, B\)"):
        load_rows(tmp_path, rows)


def test_adjacent_year_ranges_are_fine(tmp_path):
    rows = [key_row("A", "5.28.22", trin=5, til_aar=2014), key_row("B", "5.28.22", trin=4, fra_aar=2015)]
    assert len(load_rows(tmp_path, rows).rules) == 2


def test_equally_specific_rules_that_meet_are_a_tie(tmp_path):
    rows = [key_row("G", "5.28.21", gruppering="001", trin=3),
            key_row("T", "5.28.21", art="TOT", trin=2),
            key_row("ALL", "5.28.21", trin=2)]
    with pytest.raises(KeyValidationError,
                       match=r"lige specifikke .*5.28.21 gruppering 001, dranst \*, art TOT fra 2007.*"
                             r"\(regel_id: G, T\)"):
        load_rows(tmp_path, rows)


def test_tie_resolved_by_a_more_specific_rule(tmp_path):
    rows = [key_row("G", "5.28.21", gruppering="001", trin=3),
            key_row("T", "5.28.21", art="TOT", trin=2),
            key_row("GT", "5.28.21", gruppering="001", art="TOT", trin=3),
            key_row("ALL", "5.28.21", trin=2)]
    assert len(load_rows(tmp_path, rows).rules) == 4


def test_tie_resolved_only_for_some_years_names_the_first_open_year(tmp_path):
    rows = [key_row("G", "5.28.21", gruppering="001", trin=3),
            key_row("T", "5.28.21", art="TOT", trin=2),
            key_row("GT", "5.28.21", gruppering="001", art="TOT", trin=3, til_aar=2018)]
    with pytest.raises(KeyValidationError, match=r"fra 2019.*\(regel_id: G, T\)"):
        load_rows(tmp_path, rows)


def test_different_exact_codes_never_tie(tmp_path):
    rows = [key_row("A", "5.28.21", gruppering="001", trin=3),
            key_row("B", "5.28.21", gruppering="002", trin=2)]
    assert len(load_rows(tmp_path, rows).rules) == 2


def test_unreadable_file(tmp_path):
    with pytest.raises(KeyValidationError, match="kan ikke læses"):
        load_key(tmp_path / "findes_ikke.csv")


def test_key_without_version_file_is_marked_unversioned(tmp_path):
    key = load_key(write_key(tmp_path / "noegle.csv", simple_key_rows(), version=None))
    assert key.version == "uversioneret"
