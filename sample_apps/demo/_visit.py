"""The scripted visit: an anonymous visitor, then two users logging in, then a page behind a missing flag."""

from __future__ import annotations

import dataclasses
import http.cookiejar
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from sample_apps.common.accounts import ACCOUNTS, Account

ANONYMOUS = "anonymous visitor"


@dataclasses.dataclass(frozen=True)
class Hit:
    """One request of the visit and what came back. `trace_id` and `parent_span_id` are the W3C trace context
    the request was sent with, so its server span can be found among the exported ones."""

    visitor: str
    method: str
    path: str
    status: int
    trace_id: str
    parent_span_id: str
    cookies: Mapping[str, str]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Each request of the script is one line of the report; following a redirect would hide one.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One visitor: a cookie jar, and a fresh trace context on every request."""

    def __init__(self, base_url: str, visitor: str) -> None:
        self.base_url = base_url
        self.visitor = visitor
        self._jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._jar), _NoRedirects())

    def cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in self._jar}

    def request(self, method: str, path: str, form: Mapping[str, str] | None = None) -> Hit:
        trace_id, parent_span_id = secrets.token_hex(16), secrets.token_hex(8)
        headers = {"traceparent": f"00-{trace_id}-{parent_span_id}-01"}
        csrf_token = self.cookies().get("csrftoken")
        if csrf_token:  # Django's CSRF protection: the token travels in a header too
            headers["X-CSRFToken"] = csrf_token
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=10) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            status = error.code
            error.close()
        return Hit(self.visitor, method, path, status, trace_id, parent_span_id, self.cookies())

    def log_in(self, account: Account) -> list[Hit]:
        """Open the log-in form (which sets Django's CSRF cookie), then post it."""
        return [
            self.request("GET", "/login"),
            self.request("POST", "/login", {"email": account.email, "password": account.password}),
        ]


def scripted_visit(base_url: str) -> list[Hit]:
    """Drive the sample app at `base_url` through the demo's script and return every request made."""
    hits: list[Hit] = []
    anonymous = Browser(base_url, ANONYMOUS)
    hits.append(anonymous.request("GET", "/"))
    hits.append(anonymous.request("GET", "/"))
    for account in ACCOUNTS:
        user = Browser(base_url, account.email)
        hits.extend(user.log_in(account))
        hits.append(user.request("GET", "/"))
        hits.append(user.request("GET", "/account"))
    hits.append(anonymous.request("GET", "/beta"))  # back again, to a page behind a flag nobody defined
    return hits
