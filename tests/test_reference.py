"""The 98 municipalities: codes, regions and DST kommunegrupper (see docs/reference-data.md)."""

from __future__ import annotations

import csv
from collections import Counter

from trappe_xl import reference

#: DST "Kommunegrupper v1:2018-" as listed by an independent public source citing dst.dk
#: (docs/reference-data.md); written out here by hand, not read from the package data.
DST_GROUPS = {
    "1": "101 147 151 153 155 157 159 161 163 165 167 169 173 175 183 185 187 190 201 223 230 240 253 269",
    "2": "461 751 851",
    "3": "217 219 259 265 330 370 561 607 615 621 630 657 661 730 740 791",
    "4": "210 250 260 270 316 320 329 336 340 350 410 420 430 440 450 480 575 706 710 727 746 756 766 840",
    "5": "306 326 360 376 390 400 479 482 492 510 530 540 550 563 573 580 665 671 707 741 760 773 779 787 "
         "810 813 820 825 846 849 860",
}


def test_98_three_digit_string_codes_and_unique_names():
    ks = reference.kommuner()
    assert len(ks) == 98 and len(reference.kommunekoder()) == 98
    assert all(isinstance(k.kode, str) and len(k.kode) == 3 and k.kode.isdigit() for k in ks)
    assert len({k.navn for k in ks}) == 98
    assert reference.CHRISTIANSOE not in reference.kommunekoder()
    assert [k.dst_sortering for k in ks] == list(range(1, 99))


def test_regions_and_counts():
    counts = Counter(reference.regioner()[k.regionskode] for k in reference.kommuner())
    assert counts == {"Region Hovedstaden": 29, "Region Sjælland": 17, "Region Syddanmark": 22,
                      "Region Midtjylland": 19, "Region Nordjylland": 11}
    assert sorted(reference.regioner()) == list(reference.REGION_CODES)
    assert reference.kommune_by_code()["101"].regionskode == "084"
    assert reference.kommune_by_code()["851"].regionskode == "081"


def test_kommunegrupper_match_the_verified_listing():
    expected = {code: g for g, codes in DST_GROUPS.items() for code in codes.split()}
    assert len(expected) == 98
    assert {k.kode: k.kommunegruppe_kode for k in reference.kommuner()} == expected
    assert Counter(expected.values()) == {"1": 24, "2": 3, "3": 16, "4": 24, "5": 31}
    assert reference.kommunegrupper() == {"1": "Hovedstadskommuner", "2": "Storbykommuner",
                                          "3": "Provinsbykommuner", "4": "Oplandskommuner", "5": "Landkommuner"}


def test_names_agree_with_the_real_extract(shared_data):
    """Every DST area name in the real REGK31 extract is one of ours (or Hele landet)."""
    with open(shared_data / "regk31-extract" / "as-published" / "2024.csv", encoding="utf-8") as fh:
        names = {row[3] for row in csv.reader(fh)}
    assert names - {k.navn for k in reference.kommuner()} == {"Hele landet"}
