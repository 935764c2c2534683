"""The load client: threads of browser-like visitors, each with its own cookies, who log in and out as they go.

Every request carries its own trace id (a W3C `traceparent`), so the telemetry it caused can be found again,
and every answer says how many flag evaluations the app made for it.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import random
import secrets
import threading
import time
from collections.abc import Mapping
from http.cookies import SimpleCookie

import ff_otel

DJANGO_SESSION_COOKIE = "sessionid"


@dataclasses.dataclass
class Visitor:
    """One browser: its cookies, and the user it is logged in as (None: anonymous)."""

    cookies: dict[str, str] = dataclasses.field(default_factory=dict)
    user: int | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One request as the client saw it, and the context id its evaluations must carry."""

    trace_id: str
    path: str
    status: int
    evaluations: int
    expected_context_id: str | None
    worker: str
    seconds: float
    cookies_sent: tuple[str, ...]


def expected_context_id(framework: str, visitor: Visitor, secret_key: str) -> str | None:
    """Who the app must say a request is for: the user, else (Django) the keyed hash of the session key."""
    if visitor.user is not None:
        return str(visitor.user)
    session_key = visitor.cookies.get(DJANGO_SESSION_COOKIE)
    if framework == "django" and session_key and len(session_key) >= 8:
        return ff_otel.Identity.session(session_key, secret_key).targeting_key
    return None


def send(
    base_url: str,
    method: str,
    path: str,
    visitor: Visitor,
    *,
    framework: str,
    secret_key: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> Outcome:
    """Send one request on a fresh connection; keep the cookies it sets."""
    host, port = base_url.removeprefix("http://").split(":")
    trace_id = secrets.token_hex(16)
    expected = expected_context_id(framework, visitor, secret_key)
    request_headers = {
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        "Connection": "close",
        **(headers or {}),
    }
    if visitor.cookies and "Cookie" not in request_headers:
        request_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in visitor.cookies.items())
    if body is not None:
        request_headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=request_headers)
        response = connection.getresponse()
        payload = response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    _keep_cookies(visitor, set_cookies)
    answer = json.loads(payload) if response.status == 200 and payload.startswith(b"{") else {}
    return Outcome(
        trace_id=trace_id,
        path=path,
        status=response.status,
        evaluations=int(answer.get("evaluations", 0)),
        expected_context_id=expected,
        worker=str(answer.get("worker", "")),
        seconds=seconds,
        cookies_sent=tuple(visitor.cookies.values()),
    )


def _keep_cookies(visitor: Visitor, set_cookies: list[str]) -> None:
    for header in set_cookies:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if not morsel.value or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                visitor.cookies.pop(name, None)
            else:
                visitor.cookies[name] = morsel.value


@dataclasses.dataclass
class LoadReport:
    """What a load run did: every outcome, how many requests were in flight at most, what went wrong."""

    outcomes: list[Outcome]
    failures: list[str]
    max_in_flight: int
    seconds: float
    session_keys: set[str]

    @property
    def flag_outcomes(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.evaluations]


class Load:
    """`flag_requests` flag requests (plus the logins, logouts and visits between them) from `concurrency`
    threads of visitors; at most `seconds` long."""

    def __init__(
        self,
        base_url: str,
        framework: str,
        secret_key: str,
        *,
        flag_requests: int,
        concurrency: int = 50,
        visitors_per_thread: int = 4,
        users: int = 150,
        seconds: float = 150,
        flag_paths: tuple[str, ...] = ("/flags",),
        seed: int = 8,
    ) -> None:
        self.base_url = base_url
        self.framework = framework
        self.secret_key = secret_key
        self.flag_requests = flag_requests
        self.concurrency = concurrency
        self.visitors_per_thread = visitors_per_thread
        self.users = users
        self.seconds = seconds
        self.flag_paths = flag_paths
        self.seed = seed
        self._lock = threading.Lock()
        self._issued = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._outcomes: list[Outcome] = []
        self._failures: list[str] = []

    def run(self) -> LoadReport:
        """Run the load to its end (all requests made, or the time is up)."""
        started = time.monotonic()
        deadline = started + self.seconds
        threads = [
            threading.Thread(target=self._visit, args=(random.Random(self.seed * 1000 + n), deadline), daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.seconds + 60)
        session_keys = {value for outcome in self._outcomes for value in outcome.cookies_sent if len(value) >= 8}
        return LoadReport(
            list(self._outcomes), list(self._failures), self._max_in_flight, time.monotonic() - started, session_keys
        )

    def _take(self) -> bool:
        with self._lock:
            if self._issued >= self.flag_requests:
                return False
            self._issued += 1
            return True

    def _visit(self, rng: random.Random, deadline: float) -> None:
        # A third of the visitors never log in; the others log in and out as they browse.
        visitors = [(Visitor(), rng.random() < 1 / 3) for _ in range(self.visitors_per_thread)]
        while time.monotonic() < deadline:
            visitor, stays_anonymous = rng.choice(visitors)
            roll = rng.random()
            if visitor.user is None and not stays_anonymous and roll < 0.3:
                user = rng.randint(1, self.users)
                self._request(visitor, "POST", f"/login/{user}", login=user)
            elif visitor.user is not None and roll < 0.08:
                self._request(visitor, "POST", "/logout", logout=True)
            elif roll > 0.95:
                self._request(visitor, "GET", "/visit")
            elif self._take():
                path = rng.choice(self.flag_paths)
                self._request(visitor, "GET", f"{path}?n={rng.randint(1, 4)}")
            else:
                return

    def _request(
        self, visitor: Visitor, method: str, path: str, *, login: int | None = None, logout: bool = False
    ) -> None:
        """One request; when it succeeds, a login or a logout changes who the visitor is."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            outcome = send(self.base_url, method, path, visitor, framework=self.framework, secret_key=self.secret_key)
        except Exception as error:  # a failed request is a finding, not a crash of the client
            with self._lock:
                self._failures.append(f"{method} {path}: {error!r}")
            return
        finally:
            with self._lock:
                self._in_flight -= 1
        with self._lock:
            self._outcomes.append(outcome)
            if outcome.status != 200:
                self._failures.append(f"{method} {path}: HTTP {outcome.status}")
        if outcome.status == 200 and (login is not None or logout):
            visitor.user = login
