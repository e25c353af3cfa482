"""HTTP client for Statistikbanken (api.statbank.dk v1): tableinfo and data, nothing else.

Returns raw bytes exactly as received (the snapshot stores them); checks only that an answer has
the shape of a valid answer before accepting it. Parsing into frames is ``trappe_xl.sources.parse``.

- ``POST /v1/tableinfo`` -> JSON (carries DST's ``updated``)
- ``POST /v1/data`` with format BULK or CSV -> ``;``-separated lines, header = the requested variable
  ids + ``INDHOLD`` (docs/statbank-quirks.md). Recorded CSV has a BOM, CRLF and a final CRLF; for
  BULK none of that is verified, so a body is accepted with or without BOM and final line break,
  header ids in any case, and with no data rows at all (BULK leaves out rows whose value is 0: a
  part that is all zero is a header alone).

The address is ``TRAPPE_STATBANK_URL`` (environment) or ``https://api.statbank.dk/v1``: a mirror, a
proxy or a test server can stand in for Statistikbanken.

Retries with exponential backoff on 5xx/429, timeouts and transport errors; 4xx raises at once with
DST's JSON ``message``. ``sleep`` is injected so tests never wait.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import StatbankError, TableInfoError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.statbank.dk/v1"
BASE_URL_ENV = "TRAPPE_STATBANK_URL"
BASE_URL = DEFAULT_BASE_URL
DATA_URL = f"{BASE_URL}/data"
TABLEINFO_URL = f"{BASE_URL}/tableinfo"


def base_url() -> str:
    """The API's address: ``TRAPPE_STATBANK_URL`` if set (no trailing '/'), else DST's own."""
    url = os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise StatbankError(f"{BASE_URL_ENV}={url!r} er ikke en http(s)-adresse; "
                            f"brug fx {DEFAULT_BASE_URL}")
    return url.rstrip("/")


def data_url() -> str:
    return f"{base_url()}/data"


def tableinfo_url() -> str:
    return f"{base_url()}/tableinfo"
#: DST refuses CSV/JSON data requests above this many cells (error REQUEST-LIMIT); we keep BULK
#: requests under it too, so every part stays a modest, retryable download.
CELL_LIMIT = 1_000_000
VALUE_COLUMN = "INDHOLD"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=15.0)
USER_AGENT = "trappe-xl (Indsatstrappens Udgiftsmodel; https://api.statbank.dk)"


def dst_message(body: bytes) -> str | None:
    """The ``message`` of DST's JSON error body ({"errorTypeCode": ..., "message": ...}), if any."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return None


def csv_lines(body: bytes) -> list[list[str]]:
    """Split a BULK/CSV body into rows of fields (BOM dropped). Raises StatbankError if not UTF-8."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise StatbankError(f"svaret er ikke UTF-8 ({e}); Statistikbanken svarer altid i UTF-8") from e
    return [line.split(";") for line in text.splitlines()]


def check_table_body(body: bytes, expected_columns: list[str] | None = None, *, what: str = "") -> int:
    """Validate the shape of a BULK/CSV answer; return its number of data rows (0 is valid).

    A valid body has a header ending in INDHOLD (and, when ``expected_columns`` is given, exactly
    those variable ids; ids compare case-insensitively) and the header's number of fields on every
    line. A final line break is not required (unverified for BULK); a body cut off mid-line fails
    on its last line's field count. A header alone is a part whose values are all 0 (DST omits
    zero rows).
    """
    where = f" ({what})" if what else ""
    if not body.strip():
        raise StatbankError(f"tomt svar fra Statistikbanken{where}")
    rows = [r for r in csv_lines(body) if r != [""]]
    header = rows[0]
    if header[-1].strip().upper() != VALUE_COLUMN:
        raise StatbankError(f"svaret mangler overskriftslinjen (…;{VALUE_COLUMN}){where}: {';'.join(header)[:120]!r}")
    if expected_columns is not None:
        want = sorted(c.upper() for c in expected_columns)
        got = sorted(h.strip().upper() for h in header[:-1])
        if want != got:
            raise StatbankError(f"svaret har kolonnerne {got}, men der blev spurgt efter {want}{where}")
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise StatbankError(f"linje {n} har {len(row)} felter, overskriften {len(header)}: "
                                f"svaret er afkortet eller ødelagt{where}")
    return len(rows) - 1


def check_tableinfo(body: bytes, table: str) -> dict[str, Any]:
    """Parse a tableinfo answer and check it describes ``table`` with variables and values."""
    try:
        info = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StatbankError(f"tableinfo for {table} er ikke gyldig JSON: {e}") from e
    if not isinstance(info, dict) or not isinstance(info.get("variables"), list):
        raise TableInfoError(f"tableinfo for {table} har ingen variabelliste")
    if str(info.get("id", "")).upper() != table.upper():
        raise TableInfoError(f"tableinfo svarede for tabel {info.get('id')!r}, ikke {table}")
    for var in info["variables"]:
        if not isinstance(var, dict) or "id" not in var or not isinstance(var.get("values"), list):
            raise TableInfoError(f"tableinfo for {table}: ugyldig variabel {str(var)[:80]}")
    return info


class StatbankClient:
    """Synchronous client with retries. Pass ``http`` (an httpx.Client, e.g. on a MockTransport) in tests."""

    def __init__(self, http: httpx.Client | None = None, *, max_attempts: int = 4,
                 backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.http = http or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep

    def tableinfo(self, table: str, lang: str = "da") -> tuple[dict[str, Any], bytes]:
        """(parsed, raw bytes) of ``table``'s tableinfo."""
        raw = self.post(tableinfo_url(), {"table": table, "format": "JSON", "lang": lang},
                        what=f"tableinfo {table}")
        return check_tableinfo(raw, table), raw

    def data(self, body: dict[str, Any], *, what: str = "") -> tuple[bytes, int]:
        """(raw bytes, data rows) of one data request; the body's shape is checked first."""
        raw = self.post(data_url(), body, what=what or str(body.get("table")))
        columns = [v["code"] for v in body.get("variables", [])]
        return raw, check_table_body(raw, columns, what=what)

    def post(self, url: str, body: dict[str, Any], *, what: str = "") -> bytes:
        """POST ``body`` as JSON; stream the answer; retry what may pass; raise StatbankError otherwise."""
        last: str = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                status, data = self._send(url, body)
            except httpx.TransportError as e:  # includes every timeout
                last = f"{type(e).__name__}: {e}"
                status, data = None, b""
            else:
                if status == 200:
                    return data
                if 400 <= status < 500 and status != 429:
                    msg = dst_message(data)
                    raise StatbankError(
                        f"Statistikbanken afviste forespørgslen ({what}), HTTP {status}: "
                        f"{msg or data[:200].decode('utf-8', 'replace')}",
                        status=status, dst_message=msg, url=url)
                last = f"HTTP {status}" + (f": {dst_message(data)}" if dst_message(data) else "")
            if attempt < self.max_attempts:
                wait = self.backoff * 2 ** (attempt - 1)
                log.info("Statistikbanken (%s): %s – prøver igen om %.0f s (%d/%d)",
                         what, last, wait, attempt, self.max_attempts)
                self.sleep(wait)
        raise StatbankError(f"Statistikbanken svarede ikke brugbart efter {self.max_attempts} forsøg "
                            f"({what}): {last}", status=status, url=url)

    def _send(self, url: str, body: dict[str, Any]) -> tuple[int, bytes]:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        with self.http.stream("POST", url, content=content,
                              headers={"Content-Type": "application/json"}) as resp:
            data = b"".join(resp.iter_bytes())
            return resp.status_code, data

    def close(self) -> None:
        self.http.close()


def network_available(timeout: float = 2.0) -> bool:
    """True when Statistikbanken (:func:`base_url`) answers at all within ``timeout`` seconds;
    never raises."""
    try:
        with httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}) as http:
            resp = http.get(f"{base_url()}/subjects", params={"format": "JSON", "lang": "da"})
        return resp.status_code < 500
    except Exception:  # noqa: BLE001 - any failure (DNS, socket blocked, TLS) just means "offline"
        return False
