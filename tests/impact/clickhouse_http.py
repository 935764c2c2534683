"""ClickHouse's HTTP interface on 127.0.0.1, answered by the real ClickHouse engine in-process (chdb).

Enough of the interface for clickhouse-connect: the query in the body (and the `query` parameter), results in
the format the query names (`FORMAT Native` from clickhouse-connect) or TabSeparated, errors as a 500 with
ClickHouse's exception header. Settings in the URL are ClickHouse's per-query settings and are not needed here.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.impact.clickhouse import ClickHouse

_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)


class ClickHouseHttp:
    """Serves `clickhouse` over HTTP; `url` is what `ff-otel impact --clickhouse` takes."""

    def __init__(self, clickhouse: ClickHouse) -> None:
        self.clickhouse = clickhouse
        self.queries: list[str] = []
        self._lock = threading.Lock()  # one chdb session, one query at a time
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def answer(self, sql: str) -> bytes:
        match = _FORMAT.search(sql)
        with self._lock:
            self.queries.append(sql)
            return self.clickhouse.query_bytes(sql, match.group(1) if match else "TabSeparated")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ClickHouseHttp


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        parameters = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        sql = "\n".join(part for part in (parameters.get("query", [""])[0], body) if part).strip()
        try:
            payload, status = self.server.owner.answer(sql), 200
        except Exception as error:
            payload, status = str(error).encode(), 500
        self.send_response(status)
        if status != 200:
            self.send_header("X-ClickHouse-Exception-Code", "1")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the answers, not an access log."""
