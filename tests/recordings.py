"""Read VCR cassettes (YAML) of real Statistikbanken traffic; bodies are base64 under ``!binary``.

Used for the recorded responses in ../shared/data/statbank-recordings/ and for the project's own
fixtures in the same byte format.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import yaml


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!binary", lambda loader, node: base64.b64decode(loader.construct_scalar(node)))


@dataclass(frozen=True)
class Interaction:
    method: str
    uri: str
    request_body: bytes
    status: int
    headers: dict
    body: bytes


def _bytes(body) -> bytes:
    if isinstance(body, dict):
        body = body.get("string", b"")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def load_cassette(path: Path | str) -> list[Interaction]:
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    out = []
    for it in data["http_interactions"]:
        req, resp = it["request"], it["response"]
        out.append(Interaction(method=req["method"].upper(), uri=req["uri"],
                               request_body=_bytes(req.get("body")),
                               status=int(resp["status"]["code"]),
                               headers={k.lower(): v for k, v in (resp.get("headers") or {}).items()},
                               body=_bytes(resp.get("body"))))
    return out
