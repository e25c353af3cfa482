"""Shared test fixtures. No test may reach the network: the autouse guard below makes sure."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any real socket connection fails: tests run on recorded responses only."""

    def guard(*args, **kwargs):
        raise NetworkBlocked("network access is blocked in tests")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket.socket, "connect_ex", guard)
    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket, "getaddrinfo", guard)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared real data is missing: {SHARED_DATA} (CI has ../shared beside the repo)")
    return SHARED_DATA


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's soffice. In CI (CI=true) a missing soffice fails; elsewhere it skips."""
    path = soffice_path()
    if path is None:
        msg = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " — CI must install it (.ci/run)")
        pytest.skip(msg)
    return path
