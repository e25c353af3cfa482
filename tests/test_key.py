"""The translation key: the packaged default and one test per validation rule (error text checked)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from synthetic import key_row, simple_key_rows, write_key
from trappe_xl import model
from trappe_xl.errors import KeyCoverageError, KeyValidationError
from trappe_xl.key import COLUMNS, load_key

FUNCTIONS = [f"5.28.{n}" for n in range(20, 27)]


# ---------------------------------------------------------------- the packaged default key

@pytest.fixture(scope="module")
def default_key():
    return load_key()


def test_default_key_loads_with_version_stamp(default_key):
    assert default_key.version == "1.0-foreløbig"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", default_key.dato)
    assert default_key.stamp == f"{default_key.version} ({default_key.dato})"
    assert len(default_key.sha256) == 64
    assert list(default_key.rules.columns[:len(COLUMNS)]) == COLUMNS


def step_of(key, funktion, gruppering, aar=2019, dranst="1", art="TOT"):
    """The step(s) the key sends one account row to, through the model's own matching."""
    acc = pd.DataFrame({"aar": [aar], "kommunekode": ["101"], "funktion": [funktion],
                        "dranst": [dranst], "gruppering": [gruppering], "art": [art],
                        "beloeb_1000kr": [1.0]})
    d = model.apply_key(acc, key)
    return sorted(d["trin"].tolist()) if len(d) > 1 else int(d["trin"].item())


# Each settled grouping, its content as the law and the municipal kontering state it, and the step
# that content belongs on (trin 2 forebyggende § 11; trin 3 foranstaltninger uden anbringelse;
# trin 4 anbringelse i netværk; trin 5 plejefamilie; trin 6 institution/opholdssted).
SETTLED = [
    ("5.28.20", "003", 6, "socialpædagogisk opholdssted, anbringelse SEL § 52, stk. 3, nr. 7"),
    ("5.28.20", "004", 6, "kost- og efterskole som anbringelsessted, SEL § 52, stk. 3, nr. 7"),
    ("5.28.20", "005", 6, "eget værelse som anbringelsessted, SEL § 52, stk. 3, nr. 7"),
    ("5.28.21", "002", 3, "praktisk, pædagogisk støtte i hjemmet, SEL § 52, stk. 3, nr. 2"),
    ("5.28.21", "003", 3, "familiebehandling, SEL § 52, stk. 3, nr. 3"),
    ("5.28.21", "004", 3, "døgnophold for hele familien, SEL § 52, stk. 3, nr. 4"),
    ("5.28.21", "005", 3, "aflastning, SEL § 52, stk. 3, nr. 5 (også på døgninstitution: rettelsen 2020)"),
    ("5.28.21", "006", 3, "aflastning/afløsning, SEL § 44, jf. § 84"),
    ("5.28.21", "007", 3, "kontaktperson, SEL § 52, stk. 3, nr. 6"),
    ("5.28.21", "009", 3, "praktiksted, SEL § 52, stk. 3, nr. 8"),
    ("5.28.21", "010", 3, "anden hjælp, SEL § 52, stk. 3, nr. 9"),
    ("5.28.21", "011", 3, "økonomisk støtte for at undgå anbringelse, SEL § 52 a"),
    ("5.28.21", "013", 3, "støtteperson til forældre, SEL § 54"),
    ("5.28.21", "016", 2, "rådgivning, undersøgelse og behandling, SEL § 11, stk. 7"),
    ("5.28.21", "017", 2, "forebyggende indsatser, SEL § 11, stk. 3"),
    ("5.28.22", "002", 5, "plejefamilie, SEL § 66, stk. 1, nr. 1"),
    ("5.28.22", "004", 5, "kommunal plejefamilie, SEL § 66, stk. 1, nr. 2"),
    ("5.28.22", "005", 4, "netværksplejefamilie, SEL § 66, stk. 1, nr. 3"),
    ("5.28.23", "001", 6, "døgninstitution, SEL § 66, stk. 1, nr. 6"),
    ("5.28.23", "002", 6, "døgninstitution, SEL § 66, stk. 1, nr. 6"),
    ("5.28.24", "999", 6, "sikret døgninstitution, SEL § 66, stk. 1, nr. 6"),
]


@pytest.mark.parametrize("funktion,gruppering,trin,content", SETTLED)
@pytest.mark.parametrize("aar", [2007, 2019, 2024])
def test_settled_grouping_lands_on_its_step(default_key, funktion, gruppering, trin, content, aar):
    for dranst, art in (("1", "TOT"), ("2", "I"), ("*", "UE")):
        assert step_of(default_key, funktion, gruppering, aar, dranst, art) == trin, content
    # DST writes the same code without leading zeros in some renderings
    assert step_of(default_key, funktion, str(int(gruppering)), aar) == trin


@pytest.mark.parametrize("funktion,trin", [("5.28.20", 6), ("5.28.21", 23), ("5.28.22", 45),
                                           ("5.28.23", 6), ("5.28.24", 6), ("5.28.25", 0),
                                           ("5.28.26", 0)])
def test_function_level_is_one_step_or_a_combined_step_never_a_share(default_key, funktion, trin):
    for dranst in ("1", "2", "*"):
        assert step_of(default_key, funktion, "*", 2016, dranst) == trin


def test_default_key_invents_no_share(default_key):
    r = default_key.rules
    assert (r["andel"] == 1).all()
    assert (r["status"] == "foreløbig").all()  # nothing in the reconstruction is official
    assert (r["kilde"].str.len() > 10).all() and (r["grundlag"].str.len() > 10).all()
    assert not r["grundlag"].str.contains("pladsholder").any()


def test_one_row_per_rule(default_key):
    r = default_key.rules
    assert (r["dranst"] == "*").all() and (r["art"] == "*").all()
    assert not r.duplicated(["funktion", "gruppering", "fra_aar", "til_aar"]).any()
    assert len(r) < 70


def test_groupings_of_unknown_content_are_not_placed_and_say_why(default_key):
    r = default_key.rules
    for funktion, gruppering in [("5.28.21", "999"), ("5.28.21", "012"), ("5.28.22", "999")]:
        row = r[(r["funktion"] == funktion) & (r["gruppering"] == gruppering)]
        assert row["trin"].tolist() == [0]
        assert row["grundlag"].str.contains("ikke fordelt på trin").all()


def test_a_grouping_the_key_does_not_name_stops_the_build(default_key):
    with pytest.raises(KeyCoverageError, match=r"5\.28\.21 gruppering 050 dranst 1 art TOT år 2019"):
        step_of(default_key, "5.28.21", "050")


def test_the_2020_correction_is_in_the_key(default_key):
    r = default_key.rules.set_index(["funktion", "gruppering", "fra_aar"])
    aflastning = r.loc[("5.28.21", "005", 2007)]
    assert aflastning["trin"] == 3 and "rettelsen 2020" in aflastning["grundlag"]
    assert "sbst.dk" in aflastning["kilde"]
    inst = r.loc[("5.28.23", "*", 2007)]
    assert inst["trin"] == 6 and "5.28.21 grp 005" in inst["grundlag"]


def test_2024_on_is_its_own_year_range(default_key):
    r = default_key.rules
    grp = r[~r["gruppering"].isin(["*", "funktion"]) & (r["trin"] != 0)]
    assert set(grp["fra_aar"]) == {2007, 2024}
    assert grp.loc[grp["fra_aar"] == 2024, "grundlag"].str.contains("Barnets lov").all()


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
    ("trin", "7", "trin skal være en af 1, 2, 3, 23, 4, 5, 45, 6, 0"),
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


def test_a_combined_step_only_at_function_level(tmp_path):
    rows = [key_row("C1", "5.28.21", gruppering="002", trin=23)]
    with pytest.raises(KeyValidationError, match=r"samlet trin.*\(regel_id: C1\)"):
        load_rows(tmp_path, rows)
    assert load_rows(tmp_path, [key_row("C2", "5.28.21", gruppering="funktion", trin=23)])


def test_a_share_below_one_needs_a_published_split(tmp_path):
    rows = [key_row("A1", "5.28.21", trin=2, andel=0.5, status="foreløbig"),
            key_row("A2", "5.28.21", trin=3, andel=0.5, status="foreløbig")]
    with pytest.raises(KeyValidationError, match=r"andel under 1.*\(regel_id: A1, A2\)"):
        load_rows(tmp_path, rows)


def test_funktion_pattern_matches_function_level_rows_only(tmp_path):
    key = load_rows(tmp_path, [key_row("F1", "5.28.21", gruppering="funktion", trin=23),
                               key_row("F2", "5.28.21", gruppering="002", trin=3)])
    assert step_of(key, "5.28.21", "*") == 23 and step_of(key, "5.28.21", "002") == 3
    with pytest.raises(KeyCoverageError, match="gruppering 003"):
        step_of(key, "5.28.21", "003")
