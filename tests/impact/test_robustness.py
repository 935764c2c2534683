"""Bad input in trace files: one clear message with the file and line number, and the rest is still read."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

import ff_otel
from ff_otel_impact import ImpactQuery, ImpactReport, analyze_files
from ff_otel_impact._render import report_document
from tests._support.otlp_json import spans_line
from tests.impact.traces import MS, START_NS, Shop, evaluate, use_flags, write_lines


def _requests(count: int, first: int = 0) -> list[str]:
    """One file-exporter line per request (a server span with its new-checkout event and summary)."""
    use_flags()
    ff_otel.install()
    shop = Shop()
    for n in range(first, first + count):
        with shop.request("/checkout", START_NS + n * 1000 * MS, 5 * MS):
            evaluate({"new-checkout": "on" if n % 2 else "off"})
    ff_otel.uninstall()
    return [spans_line([span]) for span in shop.spans()]


def _requests_in(report: ImpactReport) -> int:
    return sum(variant.aggregate.requests for variant in report.flag("new-checkout").variants)


def test_malformed_lines_are_named_by_line_number_and_skipped(tmp_path: Path) -> None:
    good = _requests(4)
    path = tmp_path / "traces.json"
    path.write_text(good[0] + "{not json at all\n" + good[1] + "\n" + "[1, 2]\n" + '{"resourceSpans": 5}\n' + good[2]
                    + good[3][: len(good[3]) // 2])  # fmt: skip

    report = analyze_files([str(path)], ImpactQuery())

    assert _requests_in(report) == 3
    messages = "\n".join(report.problems)
    assert f"{path}:2: not valid JSON" in messages
    assert f"{path}:5: not a JSON object" in messages
    assert f"{path}:6: resourceSpans is not a list" in messages
    assert f"{path}:8: not valid JSON" in messages  # the cut-off last line
    assert len(report.problems) == 4


def test_a_truncated_gzip_file_gives_its_complete_lines(tmp_path: Path) -> None:
    lines = _requests(40)
    whole = gzip.compress("".join(lines).encode())
    path = tmp_path / "traces.json.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    other = tmp_path / "more.json"
    other.write_text("".join(_requests(5, first=100)))

    report = analyze_files([str(tmp_path)], ImpactQuery())

    (message,) = report.problems
    assert message.startswith(f"{path}: truncated after line ")
    read = int(message.split("truncated after line ")[1].split()[0])
    assert 0 < read < 40
    assert _requests_in(report) == read + 5


def test_unknown_attribute_shapes_are_counted_not_fatal(tmp_path: Path) -> None:
    line = _requests(1)[0]
    # The variant as bytes and the value as a key-value list: shapes the report cannot read as a variant.
    odd = line.replace('{"stringValue":"off"}', '{"bytesValue":"AAE="}').replace(
        '"feature_flag.result.reason"', '"feature_flag.result.value","value":{"kvlistValue":{}}},{"key":"x"'
    )
    assert odd != line
    path = tmp_path / "traces.json"
    path.write_text(odd.replace('"stringValue":"new-checkout=off"', '"intValue":"3"') + "".join(_requests(2, first=1)))

    report = analyze_files([str(path)], ImpactQuery())

    assert _requests_in(report) == 2
    assert report.problems == ("1 flag evaluation records carry neither a variant nor a value; not counted",)


def test_a_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file, folder or matching pattern"):
        analyze_files([str(tmp_path / "nothing-*.json")], ImpactQuery())


def test_ids_in_base64_as_protobuf_writes_them_read_the_same(tmp_path: Path) -> None:
    use_flags()
    ff_otel.install()
    shop = Shop()
    for n in range(6):
        with (
            shop.request("/checkout", START_NS + n * 1000 * MS, 5 * MS),
            shop.child("render", START_NS + n * 1000 * MS),
        ):
            evaluate({"new-checkout": "on" if n % 2 else "off"})  # on the child span: its parent id must resolve
    ff_otel.uninstall()
    spans = shop.spans()
    hex_file = write_lines(tmp_path / "hex.json", spans)
    base64_file = tmp_path / "base64.json"
    base64_file.write_text(json.dumps(MessageToDict(encode_spans(spans))) + "\n")
    first = json.loads(base64_file.read_text())["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(first["traceId"]) == 24  # base64 of 16 bytes, not 32 hex digits

    from_hex = analyze_files([str(hex_file)], ImpactQuery())
    from_base64 = analyze_files([str(base64_file)], ImpactQuery())

    assert _requests_in(from_base64) == _requests_in(from_hex) == 6
    assert report_document(from_base64) == report_document(from_hex)
