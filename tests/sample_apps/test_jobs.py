"""The sample apps' jobs evaluate flags outside any request: log records, with the job as context id."""

from __future__ import annotations

import ff_otel
from ff_otel._semconv import CONTEXT_ID, KEY, RESULT_VARIANT
from sample_apps.common.flags import flag_client, use_flagd
from sample_apps.common.jobs import PeriodicJob, warm_up
from tests._support.waiting import wait_until
from tests.conftest import Telemetry


def test_the_jobs_record_log_records_with_their_own_context(telemetry: Telemetry) -> None:
    use_flagd()
    ff_otel.install()
    client = flag_client()

    assert warm_up(client) == 30
    job = PeriodicJob(client, interval=0.01)
    job.start()
    try:
        wait_until(lambda: len(telemetry.logs()) >= 3, timeout=10, what="three log records from the job")
    finally:
        job.stop()

    records = [(r.log_record.attributes or {}) for r in telemetry.logs()]
    assert len(records) >= 3
    assert telemetry.spans() == ()
    first, *refreshes = records
    assert (first[KEY], first[RESULT_VARIANT], first[CONTEXT_ID]) == ("cache-ttl-seconds", "short", "job:warm-up")
    assert {(r[KEY], r[RESULT_VARIANT], r[CONTEXT_ID]) for r in refreshes} == {
        ("cache-ttl-seconds", "long", "job:refresh")
    }
