"""The Statistikbanken HTTP client: retries, DST errors, body validation, the real byte format."""

from __future__ import annotations

import json

import httpx
import pytest

from recordings import load_cassette
from statbank_fake import FakeStatbank, csv_body
from trappe_xl.errors import StatbankError, TableInfoError
from trappe_xl.sources.statbank import (DATA_URL, StatbankClient, check_table_body, network_available)

REQUEST = {"table": "REGK31", "format": "BULK", "lang": "da", "valuePresentation": "Code",
           "variables": [{"code": "OMRÅDE", "values": ["101"]}, {"code": "FUNKTION", "values": ["52821"]},
                         {"code": "DRANST", "values": ["1"]}, {"code": "ART", "values": ["TOT"]},
                         {"code": "PRISENHED", "values": ["LOBM"]}, {"code": "Tid", "values": ["2019"]}]}
GOOD = csv_body(["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"],
                [["101", "52821", "1", "TOT", "LOBM", "2019", "4242"]])  # synthetic figure


def _client(handler, **kw):
    sleeps: list[float] = []
    c = StatbankClient(httpx.Client(transport=httpx.MockTransport(handler)), sleep=sleeps.append, **kw)
    return c, sleeps


def _sequence(*answers):
    """A handler answering the given responses/exceptions in order; records the number of calls."""
    calls = []

    def handler(request):
        calls.append(request)
        a = answers[len(calls) - 1]
        if isinstance(a, Exception):
            raise a
        return a
    return handler, calls


def test_http_400_raises_with_dsts_message_and_no_retry():
    err = {"errorTypeCode": "EXTRACT-NOTFOUND", "message": "Værdien blev ikke fundet: 52899"}
    handler, calls = _sequence(httpx.Response(400, json=err))
    client, sleeps = _client(handler)
    with pytest.raises(StatbankError) as e:
        client.data(REQUEST)
    assert e.value.status == 400
    assert e.value.dst_message == "Værdien blev ikke fundet: 52899"
    assert "Værdien blev ikke fundet: 52899" in str(e.value)
    assert e.value.url == DATA_URL
    assert len(calls) == 1 and sleeps == []


def test_500_then_success_is_retried_with_backoff():
    handler, calls = _sequence(httpx.Response(500, text="boom"), httpx.Response(503), httpx.Response(200, content=GOOD))
    client, sleeps = _client(handler, backoff=1.5)
    raw, rows = client.data(REQUEST)
    assert raw == GOOD and rows == 1
    assert len(calls) == 3
    assert sleeps == [1.5, 3.0]


def test_timeout_then_success():
    handler, calls = _sequence(httpx.ReadTimeout("slow"), httpx.Response(200, content=GOOD))
    client, sleeps = _client(handler, backoff=2.0)
    assert client.data(REQUEST)[0] == GOOD
    assert len(calls) == 2 and sleeps == [2.0]


def test_timeouts_exhausted_raise_statbank_error():
    handler, calls = _sequence(*[httpx.ConnectTimeout("no answer")] * 3)
    client, sleeps = _client(handler, max_attempts=3, backoff=1.0)
    with pytest.raises(StatbankError) as e:
        client.data(REQUEST)
    assert "3 forsøg" in str(e.value) and "ConnectTimeout" in str(e.value)
    assert e.value.status is None
    assert len(calls) == 3 and sleeps == [1.0, 2.0]


def test_request_is_posted_as_utf8_json_exactly():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, content=GOOD)
    client, _ = _client(handler)
    client.data(REQUEST)
    assert seen[0].method == "POST" and str(seen[0].url) == DATA_URL
    assert json.loads(seen[0].content.decode("utf-8")) == REQUEST
    assert "OMRÅDE".encode() in seen[0].content  # not \u-escaped


@pytest.mark.parametrize("body, why", [
    (GOOD[: GOOD.rindex(b";")], "felter"),                                  # last line cut mid-line
    (GOOD[: GOOD.index(b"\r\n") + 2] + b"101;52821;1\r\n", "felter"),        # wrong column count
    ("\ufeff101;52821;1;TOT;LOBM;2019;4242\r\n".encode(), "overskrift"),     # header missing
    (b"", "tomt"),
    (csv_body(["OMRÅDE", "TID", "INDHOLD"], [["101", "2019", "1"]]), "kolonnerne"),  # other variables
])
def test_malformed_200_body_raises(body, why):
    handler, calls = _sequence(httpx.Response(200, content=body))
    client, _ = _client(handler, max_attempts=1)
    with pytest.raises(StatbankError, match=why):
        client.data(REQUEST)


@pytest.mark.parametrize("body, rows", [
    (GOOD[:-2], 1),                                     # no final line break (BULK: unverified)
    (GOOD[: GOOD.index(b"\r\n") + 2], 0),              # header alone: every value was 0 (omitted)
    (GOOD.replace(b"\r\n", b"\n"), 1),                  # LF line ends
    (GOOD.removeprefix("\ufeff".encode()), 1),          # no BOM
    (GOOD.replace(b"TID;INDHOLD", b"Tid;Indhold"), 1),  # header written as tableinfo's ids
])
def test_bulk_bodies_as_documented_are_accepted(body, rows):
    """DST: BULK leaves out zero rows (a part may be a header alone); BOM, line ends, the final
    line break and the header's case are not verified for BULK, so none of them is required."""
    handler, calls = _sequence(httpx.Response(200, content=body))
    client, _ = _client(handler, max_attempts=1)
    assert client.data(REQUEST) == (body, rows)


def test_check_table_body_counts_rows_and_accepts_missing_marker():
    body = csv_body(["OMRÅDE", "TID", "INDHOLD"], [["101", "2019", ".."], ["147", "2019", "-3"]])
    assert check_table_body(body, ["OMRÅDE", "Tid"]) == 2


def test_tableinfo_for_another_table_is_refused():
    fake = FakeStatbank()
    info = dict(fake.infos["REGK31"])
    handler, _ = _sequence(httpx.Response(200, content=json.dumps(info).encode()))
    client, _ = _client(handler)
    with pytest.raises(TableInfoError, match="REGK31"):
        client.tableinfo("FOLK1A")


def test_tableinfo_not_json_is_refused():
    handler, _ = _sequence(httpx.Response(200, content=b"<html>maintenance</html>"))
    client, _ = _client(handler)
    with pytest.raises(StatbankError, match="JSON"):
        client.tableinfo("REGK31")


def test_network_available_is_false_under_the_socket_block():
    assert network_available(timeout=0.5) is False


# -- the real recorded traffic (../shared/data/statbank-recordings, September 2025) ------------

def _replay(interactions):
    by_kind = {("tableinfo" if "tableinfo" in it.uri else "data"): it for it in interactions}

    def handler(request):
        it = by_kind["tableinfo" if request.url.path.endswith("/tableinfo") else "data"]
        return httpx.Response(it.status, content=it.body, headers={"Content-Type": it.headers["content-type"][0]})
    return handler


def test_real_straf42_csv_cassette_passes_through_the_client_byte_for_byte(shared_data):
    [it] = load_cassette(shared_data / "statbank-recordings" / "data_straf42_csv.yml")
    request = json.loads(it.request_body)
    client, _ = _client(_replay([it]))
    raw, rows = client.data(request)
    assert raw == it.body                       # stored exactly as received
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert rows == 1
    # DST writes the time variable "Tid" as "TID" in the header: accepted case-insensitively
    assert [v["code"] for v in request["variables"]] == ["HERKOMST1", "TID"]


def test_real_straf42_cassette_cut_short_is_refused(shared_data):
    """A body cut inside its last line has fewer fields there than the header: refused. (A cut
    inside the last value alone cannot be seen in the bytes; HTTP's own length check catches a
    transfer that ends early, see test_short_transfer_is_a_transport_error.)"""
    [it] = load_cassette(shared_data / "statbank-recordings" / "data_straf42_csv.yml")
    handler, _ = _sequence(httpx.Response(200, content=it.body[: it.body.rindex(b";")]))
    client, _ = _client(handler, max_attempts=1)
    with pytest.raises(StatbankError, match="afkortet"):
        client.data(json.loads(it.request_body))


def test_short_transfer_is_a_transport_error_and_retried(monkeypatch):
    """A server that promises more bytes than it sends: httpx raises, the client retries, and
    the second, whole answer is taken — the truncation never reaches the parser."""
    import socket
    import threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(2)
    port = srv.getsockname()[1]

    def serve_two():
        for body, declared in ((GOOD[:-6], len(GOOD)), (GOOD, len(GOOD))):
            conn, _ = srv.accept()
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: "
                         + str(declared).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            conn.close()
    t = threading.Thread(target=serve_two, daemon=True)
    t.start()
    sleeps: list[float] = []
    monkeypatch.setenv("TRAPPE_STATBANK_URL", f"http://127.0.0.1:{port}/v1")
    try:
        client = StatbankClient(sleep=sleeps.append, max_attempts=2)
        raw, rows = client.data(REQUEST)
    finally:
        srv.close()
    assert raw == GOOD and rows == 1 and sleeps == [2.0]


def test_real_straf42_tableinfo_cassette(shared_data):
    [it] = load_cassette(shared_data / "statbank-recordings" / "table_info_straf42_da.yml")
    client, _ = _client(_replay([it]))
    info, raw = client.tableinfo("STRAF42")
    assert raw == it.body
    assert info["updated"] == "2025-03-25T08:00:00"
    ids = [v["id"] for v in info["variables"]]
    assert ids[-1] == "Tid" and "KØN" in ids


def test_own_recorded_format_fixture_passes_and_a_cut_copy_fails():
    from pathlib import Path
    here = Path(__file__).parent / "fixtures" / "statbank"
    body = (here / "synthetic_regk31_2019_bulk.csv").read_bytes()
    request = json.loads((here / "synthetic_regk31_2019_bulk.request.json").read_text(encoding="utf-8"))
    client, _ = _client(lambda r: httpx.Response(200, content=body))
    raw, rows = client.data(request)
    assert raw == body and rows == 2 * 2
    cut = body[: body.rindex(b";")]  # the last line loses its value field and line break
    client, _ = _client(lambda r: httpx.Response(200, content=cut), max_attempts=1)
    with pytest.raises(StatbankError):
        client.data(request)
