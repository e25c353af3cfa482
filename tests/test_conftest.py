"""The fresh-clone rule: tests that need ../shared skip with a reason without it, and fail in CI."""

from __future__ import annotations

from conftest import SHARED_DATA, missing_shared


def test_present_shared_data_is_used(tmp_path):
    assert missing_shared(tmp_path, ci=False) is None and missing_shared(tmp_path, ci=True) is None


def test_missing_shared_data_skips_outside_ci_with_a_reason(tmp_path):
    action, reason = missing_shared(tmp_path / "shared" / "data", ci=False)
    assert action == "skip" and "../shared/data" in reason and "not beside this clone" in reason


def test_missing_shared_data_fails_in_ci(tmp_path):
    action, reason = missing_shared(tmp_path / "shared" / "data", ci=True)
    assert action == "fail" and "CI must provide ../shared" in reason


def test_shared_data_is_looked_for_beside_the_repository():
    assert SHARED_DATA.parent.name == "shared" and SHARED_DATA.name == "data"
