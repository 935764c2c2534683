"""`ff-otel impact` over traces exported for real: a Flask shop under gunicorn, OTLP/HTTP into a receiver on
127.0.0.1 that writes them as the Collector's file exporter does, then the command as a user runs it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests._support.receiver import Receiver
from tests.e2e.servers import Deployment, Server
from tests.impact.shop_app import SERVICE

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REQUESTS_PER_ROUTE = 1200
SHOP = Deployment(
    "impact-shop",
    "flask",
    (
        "gunicorn",
        "--bind",
        "fd://{fd}",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--graceful-timeout",
        "3",
        "--no-control-socket",
        "tests.impact.shop_app:app",
    ),
    2,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop's traces after a load run, as a file-exporter file."""
    folder = tmp_path_factory.mktemp("real")
    receiver = Receiver()
    receiver.trace_file = folder / "traces.json"
    receiver.start()
    environment = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BSP_MAX_QUEUE_SIZE": "20000",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_PYTHON_EXCLUDED_URLS": "healthz",
    }
    server = Server(SHOP, environment, folder / "server.log")
    try:
        server.wait_until_serving()
        paths = [f"/checkout?user={n}" for n in range(REQUESTS_PER_ROUTE)]
        paths += [f"/banner?user={n}" for n in range(REQUESTS_PER_ROUTE)]
        # A fixed shuffle: no variant's requests keep company with the slow variant's more than another's, so the
        # machine's load falls on all of them alike.
        random.Random(20261201).shuffle(paths)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda path: _get(server.url + path), paths))
        assert statuses.count(500) == len([n for n in range(REQUESTS_PER_ROUTE) if n % 10 >= 8 and n % 3 == 0])
        # Every request's server span has reached the receiver, and so the file.
        assert receiver.wait_for(lambda r: sum(span.server for span in r.spans) >= len(paths), timeout=30)
    finally:
        server.stop()
        receiver.stop()
    return receiver.trace_file


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _impact(*arguments: str) -> dict[str, object]:
    command = Path(sys.executable).parent / "ff-otel"
    result = subprocess.run([str(command), "impact", *arguments, "--json"], capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _verdicts(document: dict[str, object], flag: str) -> dict[str, str]:
    (found,) = [entry for entry in document["flags"] if entry["flag"] == flag]  # type: ignore[attr-defined]
    return {variant["variant"]: variant.get("verdict", "baseline") for variant in found["variants"]}


def test_the_report_names_the_slow_failing_variant_and_no_other(exported: Path) -> None:
    # Real servers on a shared machine jitter: a change is called one from 25% on.
    document = _impact(str(exported), "--service", SERVICE, "--latency-margin", "0.25")

    assert _verdicts(document, "checkout-flow") == {
        "classic": "baseline",
        "express": "slower, more errors",
        "modern": "no difference found at this sample size",
    }
    banner = _verdicts(document, "banner-color")
    assert sorted(banner.values()) == ["baseline", "no difference found at this sample size"]


def test_every_request_is_counted_once(exported: Path) -> None:
    document = _impact(str(exported), "--route", "/checkout")

    flags: list[dict[str, Any]] = document["flags"]  # type: ignore[assignment]
    (checkout,) = flags
    counts = {variant["variant"]: variant["requests"] for variant in checkout["variants"]}
    expected = {"classic": 0, "modern": 0, "express": 0}
    for n in range(REQUESTS_PER_ROUTE):
        expected["classic" if n % 10 < 5 else "modern" if n % 10 < 8 else "express"] += 1
    assert counts == expected
