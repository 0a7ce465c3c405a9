"""An HTTP proxy in front of the moto server for the fault tests: it logs every request that reaches it
(service, operation or method and path) and answers chosen operations with throttling, a stall or a denial
instead of forwarding them. It listens on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Seen:
    service: str
    region: str
    operation: str  # "" for REST calls, named by method and path instead
    method: str
    path: str


@dataclass
class Fault:
    kind: str  # "throttle", "stall" or "deny"
    times: int | None = None  # how many requests it hits (None: all)
    hits: int = 0


@dataclass
class Proxy:
    upstream: str
    log: list[Seen] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)  # "service:Operation" -> fault
    stall_seconds: float = 3.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                return

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        seen = _describe(request, body)
        with self._lock:
            self.log.append(seen)
            fault = self.faults.get(f"{seen.service}:{seen.operation}") if seen.operation else None
            if fault is not None and (fault.times is None or fault.hits < fault.times):
                fault.hits += 1
            else:
                fault = None
        if fault is not None and fault.kind == "stall":
            time.sleep(self.stall_seconds)
            with contextlib.suppress(OSError):  # the client gave up long ago
                _reply(request, 500, b"")
            return None
        if fault is not None:
            code, status = (
                ("ThrottlingException", 400) if fault.kind == "throttle" else ("AccessDeniedException", 403)
            )
            return _error(request, status, code, seen.operation)
        target = urllib.parse.urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=120)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("connection",)}
            conn.request(request.command, request.path, body=body, headers=headers)
            got = conn.getresponse()
            data = got.read()
            request.send_response(got.status)
            for key, value in got.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    request.send_header(key, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(data)
        finally:
            conn.close()


def _describe(request: BaseHTTPRequestHandler, body: bytes) -> Seen:
    scope = _SCOPE.search(request.headers.get("Authorization") or "")
    region, service = (scope.group(1), scope.group(2)) if scope else ("", "")
    operation = ""
    target = request.headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif "/operation/" in request.path:  # the RPC v2 CBOR protocol
        operation = request.path.rstrip("/").rsplit("/", 1)[-1]
    elif body and "x-www-form-urlencoded" in (request.headers.get("Content-Type") or ""):
        operation = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    return Seen(service, region, operation, request.command, request.path.split("?", 1)[0])


def _error(request: BaseHTTPRequestHandler, status: int, code: str, operation: str) -> None:
    message = f"refused by the test proxy: {operation}"
    if "json" in (request.headers.get("Content-Type") or "") or request.headers.get("X-Amz-Target"):
        data = json.dumps({"__type": code, "message": message}).encode()
        return _reply(request, status, data, "application/x-amz-json-1.1", {"x-amzn-ErrorType": code})
    data = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>proxy</RequestId></ErrorResponse>"
    ).encode()
    return _reply(request, status, data, "text/xml")


def _reply(
    request: BaseHTTPRequestHandler,
    status: int,
    data: bytes,
    content_type: str = "text/plain",
    headers: dict[str, str] | None = None,
) -> None:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
