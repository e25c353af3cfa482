"""The coverage warning on Analyse: steps fed by functions the data lack must not pass for 0 kr."""

from pathlib import Path

from trappe_xl.key import load_key
from trappe_xl.pipeline import prepare
from trappe_xl.sources.load import load_snapshot
from trappe_xl.workbook import notes
from wb_fixtures import synthetic_bookdata

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"


def test_real_snapshot_names_the_functions_it_lacks():
    data = prepare(load_snapshot(SNAPSHOT), load_key())
    text = " ".join(notes.coverage_note(data))
    assert text.startswith("OBS: data dækker kun 5.28.21–22 – mangler 5.28.20, 5.28.23–26:")
    assert "vises som –" in text and "I alt" in text
    # function-level data: all of it is only known combined, and the line says so
    assert "100,0 % kun samlet som trin 2–3/4–5" in text and "ikke fordelt" not in text


def test_no_warning_when_every_key_function_has_data():
    data = synthetic_bookdata(holes=False)
    assert set(data.detail["funktion"].astype(str)) >= set(data.key_rules["funktion"])
    assert not any(line.startswith("OBS") for line in notes.coverage_note(data))
