"""Flag evaluations outside any request: a start-up job and a periodic one. They become log records."""

from __future__ import annotations

import threading

from openfeature.client import OpenFeatureClient

import ff_otel

REFRESH_INTERVAL_SECONDS = 60.0


def warm_up(client: OpenFeatureClient) -> int:
    """The start-up job: choose the cache lifetime before the first request. Returns it, in seconds."""
    with ff_otel.evaluation_context(targeting_key="job:warm-up", attributes={"job": "warm-up"}):
        return client.get_integer_value("cache-ttl-seconds", 60)


def refresh(client: OpenFeatureClient) -> int:
    """The periodic job: re-read the cache lifetime, as a worker would between runs."""
    with ff_otel.evaluation_context(targeting_key="job:refresh", attributes={"job": "refresh"}):
        return client.get_integer_value("cache-ttl-seconds", 60)


class PeriodicJob:
    """Runs `refresh` every `interval` seconds on a daemon thread until `stop()`.

    Usage: ``job = PeriodicJob(client); job.start(); ...; job.stop()``
    """

    def __init__(self, client: OpenFeatureClient, interval: float = REFRESH_INTERVAL_SECONDS) -> None:
        self._client = client
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flag-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop, and wait for a run in progress to finish."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            refresh(self._client)
