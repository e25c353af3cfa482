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


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any real socket connection fails: tests run on recorded responses and on stand-ins served
    on this machine's loopback address (127.0.0.1), which alone stays reachable."""

    def blocked(*args, **kwargs):
        raise NetworkBlocked("network access is blocked in tests")

    def loopback(address) -> bool:
        return isinstance(address, tuple) and bool(address) and address[0] in LOOPBACK

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def connect(self, address, *a):
        return real_connect(self, address, *a) if loopback(address) else blocked()

    def connect_ex(self, address, *a):
        return real_connect_ex(self, address, *a) if loopback(address) else blocked()

    def create_connection(address, *a, **kw):
        return real_create(address, *a, **kw) if loopback(address) else blocked()

    def getaddrinfo(host, *a, **kw):
        return real_getaddrinfo(host, *a, **kw) if host in LOOPBACK else blocked()

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_shared(path: Path, ci: bool) -> tuple[str, str] | None:
    """None when ``path`` (../shared/data) is there; else ("fail" in CI, "skip" elsewhere, reason).

    The real DST material in ../shared/data (recorded API traffic, DST's own REGK31 export, a
    population table) may not be copied into the project, so a fresh clone has no ../shared: the
    tests that read it skip there, saying why. CI has ../shared beside the repository and must run
    them all, so there a missing ../shared fails instead of skipping."""
    if path.is_dir():
        return None
    reason = (f"needs DST's real material in ../shared/data, which is not beside this clone "
              f"({path}); the rest of the suite runs on synthetic data and the shipped snapshot")
    return ("fail", reason + " — CI must provide ../shared") if ci else ("skip", reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    missing = missing_shared(SHARED_DATA, in_ci())
    if missing is None:
        return SHARED_DATA
    action, reason = missing
    if action == "fail":
        pytest.fail(reason)
    pytest.skip(reason)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's soffice. In CI (CI=true) a missing soffice fails; elsewhere it skips."""
    path = soffice_path()
    if path is None:
        msg = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc"
        if in_ci():
            pytest.fail(msg + " — CI must install it (.ci/run)")
        pytest.skip(msg)
    return path
