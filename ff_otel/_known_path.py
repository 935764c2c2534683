"""The recording path's shortest lane: a flag answered again as before, recorded on the OpenTelemetry SDK's span.

Most evaluations in a sampled request are of a flag already seen, with the same outcome: the provider hands back
its very own variant string and reason, and the same provider object answers. Such an evaluation records exactly
what the general path records for it (`Recorder.deliver_known`): the prepared event attributes with this
evaluation's context id, the event cap, the request's summary and impact, and the metrics. Here that is done in one
frame, with the checks the general path makes in several, because a web request runs it for every flag.

Anything else answers False before it has recorded anything, and the general path takes the evaluation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from openfeature.client import OpenFeatureClient
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagEvaluationDetails
from opentelemetry.metrics import _internal as _metrics_internal
from opentelemetry.trace import Span

from ff_otel import _impact, _span_event
from ff_otel import _semconv as semconv
from ff_otel._known_outcomes import ANY_VALUE, Latest, metadata_matches
from ff_otel._metrics import Instruments
from ff_otel._request_state import InFlight
from ff_otel._safe import report
from ff_otel._span_event import frozen_for, store


class KnownPath:
    """Records a repeated outcome on an SDK span for one recorder, or says it cannot."""

    __slots__ = (
        "_context_id_now",
        "_event_name",
        "_has_room",
        "_instruments",
        "_latest",
        "_max_events",
        "_span_counts",
    )

    def __init__(
        self,
        latest: Latest,
        context_id_now: Callable[[EvaluationContext | None, EvaluationContext | None], str | None] | None,
        event_name: str,
        max_events: int | None,
        span_counts: Mapping[int, itertools.count[int]],
        has_room: Callable[[Span], bool],
        instruments: Instruments | None,
    ) -> None:
        self._latest = latest
        self._context_id_now = context_id_now
        self._event_name = event_name
        self._max_events = max_events
        self._span_counts = span_counts
        self._has_room = has_room
        self._instruments = instruments

    def record(
        self,
        client: OpenFeatureClient,
        details: FlagEvaluationDetails[Any],
        invocation: EvaluationContext | None,
        span: Span,
        in_flight: InFlight | None,
        data: Mapping[str, Any] | None,
    ) -> bool:
        """Record the evaluation `client` answered with `details` on `span` (a recording span, from `where()`) when
        its outcome is the one last seen for its flag: True when it is recorded; False when it was not, and the
        general path must record it (at most the span's event count moved, when the span ended meanwhile).
        `in_flight` is the request being served, `data` what `started` noted. Never raises."""
        # Looked up and checked first, with nothing recorded yet: whatever fails here, the general path meets again
        # (and reports) or gets past.
        try:
            if details.error_code is not None:
                return False
            key = details.flag_key
            if type(key) is not str:
                return False  # a str subclass (a str enum) equal to a kept key still records as itself
            latest = self._latest.get(key)
            if latest is None:
                return False
            variant, reason, provider, value, expected, known = latest
            if (
                details.variant is not variant
                or details.reason is not reason
                or (value is not ANY_VALUE and details.value is not value)
            ):
                return False
            metadata = details.flag_metadata
            if expected is None:  # prepared without a flag set id or version
                if metadata is not None and (type(metadata) is not dict or metadata):
                    return False
            elif not metadata_matches(metadata, expected):
                return False
            if client.provider is not provider:
                return False
            shape = _span_event.checked_shape  # None until a first event took the general path
            if shape is None or type(span) not in shape.spans or span._end_time is not None:  # type: ignore[attr-defined]
                return False  # not the SDK's span, or it ended while the provider resolved
            context_id = None if self._context_id_now is None else self._context_id_now(client.context, invocation)
            event = known.event
            if event is None or event.label != context_id:
                event = known.event_for(context_id)
            frozen = frozen_for(shape, span, event)
            if frozen is None:
                return False  # the span's limits would cut these attributes: the SDK's own `add_event` does that
        except Exception:
            return False
        try:
            limit = self._max_events
            if limit is None:
                room = True
            else:
                counter = self._span_counts.get(id(span))
                if counter is None:
                    room = self._has_room(span)  # the span's first: its counter is made, and dropped with it
                else:
                    count = next(counter)
                    room = count < limit
                    if not room:
                        span.set_attribute(semconv.DROPPED_EVENTS, count + 1 - limit)
            if room and not store(shape, span, self._event_name, frozen):
                return False
            if in_flight is not None:
                summary = in_flight.summary
                if summary is not None:
                    summary.note_entry(known.summary_key, known.summary_entry)
                if _impact.listening:
                    impact = in_flight.impact
                    if impact is not None and impact.wants(known.key):
                        impact.note(known.key, known.impact_variant)
            instruments = self._instruments
            if instruments is not None and (
                instruments.known_live
                or (
                    not (instruments.follows_global and _metrics_internal._METER_PROVIDER is None)  # `live()`, inline
                    and instruments.live()
                )
            ):
                instruments.count(known.series, data)
        except Exception as error:
            self._failed(error, data)
        return True

    def _failed(self, error: Exception, data: Mapping[str, Any] | None) -> None:
        report("ff_otel could not record a flag evaluation", error)
        if data is not None and self._instruments is not None:  # not counted, so no longer under way either
            self._instruments.abandoned(data)
