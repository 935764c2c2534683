"""Trace files as the OpenTelemetry Collector's file exporter writes them, made fast enough for a million requests.

Each request is a server span carrying two `feature_flag.evaluation` events and the `ff_otel.flags` summary, with
one internal child span, in the shape ff-otel and the OpenTelemetry SDK export them. `new-checkout=on` is slower
and fails more; `banner-color`'s variants behave the same.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Final

SPANS_PER_LINE: Final = 512
"""Spans per ExportTraceServiceRequest line, the batch span processor's default export size."""
START_NS: Final = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def _string(key: str, value: str) -> str:
    return f'{{"key":"{key}","value":{{"stringValue":"{value}"}}}}'


def _event(time_ns: int, key: str, variant: str) -> str:
    attributes = ",".join((_string("feature_flag.key", key), _string("feature_flag.result.variant", variant),
                           _string("feature_flag.result.reason", "targeting_match"),
                           _string("feature_flag.provider.name", "FlagdProvider")))  # fmt: skip
    return f'{{"timeUnixNano":"{time_ns}","name":"feature_flag.evaluation","attributes":[{attributes}]}}'


def _request(rng: random.Random, start: int) -> tuple[str, str]:
    trace_id = f"{rng.getrandbits(128):032x}"
    server_id, child_id = f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"
    checkout = "on" if rng.random() < 0.3 else "off"
    banner = "blue" if rng.random() < 0.5 else "red"
    slow = 1.6 if checkout == "on" else 1.0
    duration = int(rng.lognormvariate(15.4, 0.5) * slow)  # about 5 ms, 8 ms when slow
    failed = rng.random() < (0.06 if checkout == "on" else 0.01)
    status = 500 if failed else 200
    status_object = '{"code":2}' if failed else "{}"
    summary = f'{{"stringValue":"new-checkout={checkout}"}},{{"stringValue":"banner-color={banner}"}}'
    events = ",".join((_event(start + 1000, "new-checkout", checkout), _event(start + 2000, "banner-color", banner)))
    server = (
        f'{{"traceId":"{trace_id}","spanId":"{server_id}","parentSpanId":"","flags":257,"name":"GET /checkout",'
        f'"kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{start + duration}","attributes":['
        f"{_string('http.request.method', 'GET')},{_string('http.route', '/checkout')},"
        f'{{"key":"http.response.status_code","value":{{"intValue":"{status}"}}}},'
        f'{{"key":"ff_otel.flags","value":{{"arrayValue":{{"values":[{summary}]}}}}}},'
        f'{{"key":"ff_otel.flags.count","value":{{"intValue":"2"}}}}],'
        f'"events":[{events}],"status":{status_object}}}'
    )
    child = (
        f'{{"traceId":"{trace_id}","spanId":"{child_id}","parentSpanId":"{server_id}","flags":257,"name":"render",'
        f'"kind":1,"startTimeUnixNano":"{start + 100}","endTimeUnixNano":"{start + duration // 2}",'
        f'"attributes":[{_string("template", "checkout.html")}],"status":{{}}}}'
    )
    return server, child


def _line(spans: list[str]) -> str:
    resource = '{"attributes":[' + _string("service.name", "shop") + "]}"
    scope = '{"name":"opentelemetry.instrumentation.asgi","version":"0.60b0"}'
    return (f'{{"resourceSpans":[{{"resource":{resource},"scopeSpans":[{{"scope":{scope},'
            f'"spans":[{",".join(spans)}]}}]}}]}}\n')  # fmt: skip


def write_trace_files(folder: Path, requests: int, files: int = 4, compress: bool = False, seed: int = 7) -> int:
    """Write `requests` requests' spans over `files` files in `folder`; returns the bytes written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-requests // files)
    written = 0
    made = 0
    for number in range(files):
        path = folder / (f"traces-{number}.json" + (".gz" if compress else ""))
        with gzip.open(path, "wt", compresslevel=1) if compress else path.open("w") as stream:
            spans: list[str] = []
            for _ in range(min(per_file, requests - made)):
                # Children end first: a batch can hold a child whose server span comes in the next line.
                server, child = _request(rng, START_NS + made * 1_000_000)
                spans += (child, server)
                made += 1
                if len(spans) >= SPANS_PER_LINE:
                    stream.write(_line(spans))
                    spans = []
            if spans:
                stream.write(_line(spans))
        written += path.stat().st_size
    return written


if __name__ == "__main__":  # a quick look: python -m benchmarks._trace_files FOLDER REQUESTS
    import sys

    size = write_trace_files(Path(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps({"bytes": size}))
