"""One evaluation in, telemetry out: a span event, log record or span of its own in a span, a log record outside,
metrics and a summary always.

The hot path checks first and builds second: an unsampled span, or nothing configured to receive records, costs
a contextvar read and a couple of attribute checks.

The recording path asks `where()` before the provider resolves: where the evaluation belongs, or False when
`started(data)` must run first (then `destination()` after it). It calls `failed(data, exception)` if the
evaluation raised, and at the end, on a recording span, first `again(...)` (the outcome last seen for the flag,
recorded in one step, `_known_path`); otherwise `deliver_known(...)` (a success whose outcome `known(...)`
prepared) or `deliver(destination, evaluation, data)`, all with the same per-evaluation mutable mapping `data`
(None when nothing was started).
"""

from __future__ import annotations

import functools
import itertools
import time
import weakref
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Literal, overload

from opentelemetry._logs import SeverityNumber, get_logger
from opentelemetry._logs import _internal as _logs_internal
from opentelemetry.metrics import _internal as _metrics_internal
from opentelemetry.trace import INVALID_SPAN, NonRecordingSpan, Span, set_span_in_context

# The key under which the trace API stores the current span; reading it directly skips two wrapper calls on
# the path every evaluation takes.
from opentelemetry.trace.propagation import _SPAN_KEY
from opentelemetry.util.types import AttributeValue

from ff_otel import _impact
from ff_otel import _semconv as semconv
from ff_otel._current_span import current_context as _current_context
from ff_otel._evaluation import Evaluation, outcome
from ff_otel._evaluation_span import EvaluationSpans, finish
from ff_otel._exception import exception_attributes, was_raised
from ff_otel._known_outcomes import KnownOutcome, KnownOutcomes
from ff_otel._known_path import KnownPath
from ff_otel._metrics import Instruments, Series
from ff_otel._options import Options
from ff_otel._request_state import IN_FLIGHT
from ff_otel._safe import report
from ff_otel._semconv_mapping import EvaluationAttributes
from ff_otel._shaping import Shaper
from ff_otel._span_event import PLAIN, add_event, add_shared_event
from ff_otel._value_policy import ValuePolicy
from ff_otel._values import clean_text
from ff_otel._version import __version__

_ERROR = "error"
_SPAN_KEY_OF_DATA = "ff_otel.span"
_EXCEPTION_KEY = "ff_otel.exception"
_MAX_CLEANED_SERIES = 1024  # series are few (flags x variants x reasons); odd input never grows this further


_NOT_A_SPAN = object()


class Recorder:
    """Records evaluations with one set of options."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._event_name = semconv.event_name(options.semconv)
        self._logger = get_logger("ff_otel", __version__, logger_provider=options.logger_provider)
        # The API's ProxyLogger, before a global LoggerProvider is set, has nothing behind it.
        self._proxy_logger = getattr(self._logger, "_real_logger", self._logger) is None
        self._instruments = (
            Instruments.shared(options.meter_provider, options.duration_histogram) if options.metrics else None
        )
        self._max_events = options.max_events_per_span
        self._max_length = options.max_value_length
        self._cleaned_series: dict[Series, Series] = {}  # what `_series` made of a raw series, bounded
        self._time_evaluations = options.duration_histogram
        self._log_outside_spans = options.log_outside_spans
        self._capture_error_message = options.capture_error_message
        self._event_on_span = options.events != "log"
        self._log_events = options.events != "span"
        self._shaper = Shaper(options)
        self._excluded = options.exclude_attributes
        # The plain case (span events, no callbacks, no exclusions) keeps its one-branch path.
        self._plain = self._event_on_span and not self._log_events and not self._shaper.active
        self._evaluation_spans = EvaluationSpans(options.tracer_provider) if options.evaluation_spans else None
        self._exceptions = not options.exclude_exceptions
        self.timing = self._instruments is not None or self._evaluation_spans is not None
        """True when the path may have to call `started` before an evaluation (metrics, evaluation spans)."""
        self._metrics_only_global = (
            self._evaluation_spans is None and self._instruments is not None and self._instruments.follows_global
        )
        """True when only metrics may need `started`, and they follow the global meter provider."""
        self.start_is_recorded = self._evaluation_spans is not None or self._time_evaluations
        """True when what `started` notes shows in the telemetry (an evaluation span, a duration), not only in the
        count of evaluations under way."""
        # Per span (by id, dropped when the span is collected), a counter of its evaluation events: `next()` on
        # one is atomic, so the cap stays exact when the threads of one request share its span, with no lock.
        self._span_events: dict[int, itertools.count[int]] = {}
        self._span_watchers: dict[int, weakref.ref[Span]] = {}  # what drops a span's counter when it is collected
        self._attributes = EvaluationAttributes(options)
        self._latest = options.semconv != "legacy"
        # Known outcomes are recorded on a span only as plain span events; nowhere else do they need more.
        self._known = KnownOutcomes(options, self._prepare) if self._plain and self._evaluation_spans is None else None
        self.known: Callable[..., KnownOutcome | None] = _never_known if self._known is None else self._known.find
        """`known(key, value, variant, reason, metadata, provider_name, provider=None)`: the prepared record of a
        successful evaluation with this outcome (prepared now if it is new), or None when it takes the general path
        (`deliver`). Given the provider object, `known_again` finds it next time."""
        self.known_again: Callable[[object, object, object, object, object, object], KnownOutcome | None] = (
            _never_known if self._known is None else self._known.again
        )
        """`known_again(key, value, variant, reason, metadata, provider)`: what `known` found the last time this flag
        was answered by this provider with the very same objects, else None."""
        self._value_of = ValuePolicy(options)
        self.again: Callable[..., bool] = _never_again
        """`again(client, details, invocation, span, in_flight, data)`: record on `span` (a recording span, from
        `where()`) an evaluation whose outcome is the one last seen for its flag, and say True; False, with nothing
        recorded, when it takes `known`/`deliver_known` or `deliver` instead (see `KnownPath.record`). Never
        raises."""
        if self._known is not None:
            self.again = KnownPath(
                self._known.latest,
                self._attributes.context_id_now if self._latest else None,
                self._event_name,
                self._max_events,
                self._span_events,
                self._has_room,
                self._instruments,
            ).record
        self._unsampled: object = _NOT_A_SPAN
        """The last unsampled `NonRecordingSpan` `where()` found: the next evaluation under it is answered at once."""

    # Called before the provider resolves when `timing` is on: for metrics and evaluation spans only.
    def started(self, hook_data: MutableMapping[str, Any]) -> None:
        spans = self._evaluation_spans
        if spans is not None:
            span = spans.start()
            if span is not None:
                hook_data[_SPAN_KEY_OF_DATA] = span
        instruments = self._instruments
        if instruments is not None and (instruments.known_live or instruments.live()):
            instruments.started(hook_data, self._time_evaluations)

    def abandoned(self, hook_data: Mapping[str, Any]) -> None:
        """The evaluation `started` saw gave no answer (cancelled, interrupted): it is no longer under way."""
        instruments = self._instruments
        if instruments is not None:
            instruments.abandoned(hook_data)

    def failed(self, hook_data: MutableMapping[str, Any], error: BaseException) -> None:
        """Note the exception that an evaluation raised, for `deliver` to record."""
        if self._exceptions and was_raised(error):
            hook_data[_EXCEPTION_KEY] = error

    @overload
    def where(self, before_start: Literal[False]) -> Span | Literal[True] | None: ...

    @overload
    def where(self, before_start: bool = True) -> Span | bool | None: ...

    def where(self, before_start: bool = True) -> Span | bool | None:
        """Where an evaluation about to be made belongs, as `destination()` gives it; False instead when `started`
        has something to note before the provider resolves (an evaluation span, metrics being collected): the
        recording path calls `started` then, and asks `destination()` after the provider answered. One call,
        for the recording path's common case. Never raises."""
        # Only the global meter provider's instruments, with none set yet: nothing to start, answered at once.
        if (
            before_start
            and self.timing
            and not (self._metrics_only_global and _metrics_internal._METER_PROVIDER is None)
        ):
            instruments = self._instruments
            if self._evaluation_spans is not None or (
                instruments is not None and (instruments.known_live or instruments.live())
            ):
                return False
        try:
            span = _current_context().get(_SPAN_KEY)
            if span is self._unsampled:
                return None  # the request's span, seen before: most evaluations in production are not sampled
            if span is not None and span is not INVALID_SPAN:
                if span.is_recording():  # type: ignore[attr-defined]
                    return span  # type: ignore[return-value]
                if not span.get_span_context().trace_flags.sampled:  # type: ignore[attr-defined]
                    if type(span) is NonRecordingSpan:  # never records, and its context never changes
                        self._unsampled = span
                    return None
                # A sampled span that has already ended (a background task after the response): a log record,
                # which still carries the trace and span ids.
            # Until an SDK LoggerProvider is set, the API's ProxyLogger has nothing behind it: answered without a call.
            if (
                self._log_outside_spans
                and not (self._proxy_logger and _logs_internal._LOGGER_PROVIDER is None)
                and self._logger.enabled(event_name=self._event_name)
            ):
                return True
        except Exception as error:
            report("ff_otel could not find where to record a flag evaluation", error)
        return None

    def destination(self) -> Span | Literal[True] | None:
        """Where an evaluation made now belongs: the recording span, True for a log record, None for nowhere.

        An unsampled span gives None: what is not sampled must not turn into a log record either. Outside any
        span, or under a span that has ended, it is a log record. Never raises: a span or logger that fails is
        reported, and the evaluation goes nowhere.
        """
        return self.where(False)

    def _logs_enabled(self) -> bool:
        if self._proxy_logger and _logs_internal._LOGGER_PROVIDER is None:
            return False  # nothing behind the API's proxy yet: answered without three calls down to a no-op logger
        return self._logger.enabled(event_name=self._event_name)

    def measuring(self) -> bool:
        """True when `deliver` has work even with no destination: evaluation metrics, or the request's impact."""
        instruments = self._instruments
        if instruments is not None and instruments.live():
            return True
        return _impact.listening and _request_impact() is not None

    def record(self, evaluation: Evaluation) -> None:
        """Record one evaluation wherever it belongs. Callers catch what this raises."""
        destination = self.destination()
        data: dict[str, Any] | None = None
        spans = self._evaluation_spans
        if spans is not None and destination is not None and destination is not True:
            span = spans.start()  # a flag system outside OpenFeature reports after the fact: a span of no length
            if span is not None:
                data = {_SPAN_KEY_OF_DATA: span}
        self.deliver(destination, evaluation, data)

    def deliver(
        self, destination: Span | Literal[True] | None, evaluation: Evaluation, hook_data: Mapping[str, Any] | None
    ) -> None:
        """Record `evaluation` at `destination` (from `destination()`), in the metrics, and in the request's impact."""
        if _impact.listening:
            self._note_impact(evaluation)
        # An evaluation that started its own span is recorded there, even if its parent ended meanwhile.
        if (
            self._evaluation_spans is not None
            and hook_data is not None
            and (own := hook_data.get(_SPAN_KEY_OF_DATA)) is not None
        ):
            self._in_own_span(own, evaluation, hook_data)
        elif destination is True:
            self._as_log_record(evaluation, hook_data)
        elif destination is not None:
            self._on_span(destination, evaluation, hook_data)
        instruments = self._instruments
        if instruments is not None and (instruments.known_live or instruments.live()):
            instruments.count(self._series(evaluation), hook_data)

    def _prepare(self, evaluation: Evaluation) -> KnownOutcome | None:
        """What `deliver` records for `evaluation` (a successful one, whose metadata gives no context id), but for
        the context id; None if an attribute value is not plain."""
        head, tail, _ = self._attributes.parts(evaluation)  # the metadata gives no context id: `find` checked
        if any(type(value) not in PLAIN for value in (*head.values(), *tail.values())):
            return None
        summary_key = clean_text(evaluation.key, self._max_length)
        variant = evaluation.variant
        return KnownOutcome(
            evaluation.key,
            evaluation.reason,
            head,
            tail,
            summary_key,
            summary_key if variant is None else f"{summary_key}={clean_text(variant, self._max_length)}",
            self._impact_variant(evaluation),
            self._series(evaluation),
        )

    def deliver_known(
        self, span: Span | None, known: KnownOutcome, targeting_key: str | None, data: Mapping[str, Any] | None
    ) -> None:
        """Record a successful evaluation with a known outcome as `deliver` would: on `span` (a recording span, from
        `destination()`) or only in the metrics and the request's impact. `data` is what `started` noted, if it
        ran. Callers catch what this raises."""
        if _impact.listening:
            impact = _request_impact()
            if impact is not None and impact.wants(known.key):
                impact.note(known.key, known.impact_variant)
        if span is not None:
            in_flight = IN_FLIGHT.get()
            if in_flight is not None and in_flight.summary is not None:
                in_flight.summary.note_entry(known.summary_key, known.summary_entry)
            if self._max_events is None or self._has_room(span):
                context_id = self._attributes.context_id(None, targeting_key) if self._latest else None
                add_shared_event(span, self._event_name, known.event_for(context_id))
        instruments = self._instruments
        if instruments is not None and (
            instruments.known_live
            or (
                not (instruments.follows_global and _metrics_internal._METER_PROVIDER is None)  # `live()`, inline
                and instruments.live()
            )
        ):
            instruments.count(known.series, data)

    def _note_impact(self, evaluation: Evaluation) -> None:
        impact = _request_impact()
        key = evaluation.key
        if impact is not None and type(key) is str and impact.wants(key):
            impact.note(key, self._impact_variant(evaluation))

    def _impact_variant(self, evaluation: Evaluation) -> str | None:
        """The variant `evaluation` counts as in a request's impact."""
        variant = evaluation.variant
        if variant is not None:
            return clean_text(variant, self._max_length)
        # The value stands for the variant, as far as the value policy lets it be recorded.
        value = self._value_of(evaluation.key, None, evaluation.value)
        return None if value is None else _impact.value_label(value)

    def _event_attributes(self, evaluation: Evaluation) -> dict[str, AttributeValue]:
        """The attributes of `evaluation` as recorded: built, then shaped by the user's options."""
        attributes = self.attributes(evaluation)
        shaper = self._shaper
        if shaper.active:
            return shaper.shape(attributes, evaluation.key, evaluation.flag_metadata)
        return attributes

    def _as_log_record(self, evaluation: Evaluation, hook_data: Mapping[str, Any] | None) -> None:
        self._logger.emit(
            timestamp=time.time_ns(), event_name=self._event_name, attributes=self._event_attributes(evaluation)
        )
        error = None if hook_data is None else hook_data.get(_EXCEPTION_KEY)
        if error is not None:
            self._logger.emit(
                timestamp=time.time_ns(),
                event_name=semconv.EXCEPTION_EVENT,
                severity_number=SeverityNumber.ERROR,
                attributes=self._exception_attributes(error),
            )

    def _in_own_span(self, span: Span, evaluation: Evaluation, hook_data: Mapping[str, Any] | None) -> None:
        """The evaluation recorded on its own span, which replaces the span event; a log record too if asked."""
        self._note(evaluation)
        attributes = self._event_attributes(evaluation)
        error = None if hook_data is None else hook_data.get(_EXCEPTION_KEY)
        if error is not None:
            span.add_event(semconv.EXCEPTION_EVENT, self._exception_attributes(error))
        if self._log_events and self._logs_enabled():
            self._logger.emit(
                timestamp=time.time_ns(),
                context=set_span_in_context(span),
                event_name=self._event_name,
                attributes=attributes,
            )
        finish(span, attributes, outcome(evaluation)[1])

    def _exception_attributes(self, error: BaseException) -> dict[str, AttributeValue]:
        return exception_attributes(error, self._max_length, self._capture_error_message)

    def _note(self, evaluation: Evaluation) -> None:
        """Count the evaluation in the current request's summary, whatever it is recorded as."""
        in_flight = IN_FLIGHT.get()
        if in_flight is not None and in_flight.summary is not None:
            variant = evaluation.variant
            in_flight.summary.note(
                clean_text(evaluation.key, self._max_length),
                None if variant is None else clean_text(variant, self._max_length),
            )

    def _on_span(self, span: Span, evaluation: Evaluation, hook_data: Mapping[str, Any] | None) -> None:
        self._note(evaluation)
        if self._max_events is not None and not self._has_room(span):
            return
        if self._plain:
            add_event(span, self._event_name, self.attributes(evaluation))
        else:
            self._emit_in_span(span, evaluation)
        if evaluation.error_code is not None and hook_data is not None:  # whenever one was raised, there is a code
            error = hook_data.get(_EXCEPTION_KEY)
            if error is not None and self._exceptions:  # noted under these options, or another app's
                span.add_event(semconv.EXCEPTION_EVENT, self._exception_attributes(error))

    def _has_room(self, span: Span) -> bool:
        """Count one evaluation event on `span`: True while it is within `max_events_per_span`, else count the
        event as dropped."""
        limit: int = self._max_events  # type: ignore[assignment]  # only called with a limit
        counts = self._span_events
        span_id = id(span)
        counter = counts.get(span_id)
        if counter is None:
            fresh = itertools.count()
            counter = counts.setdefault(span_id, fresh)
            if counter is fresh:  # the one thread whose counter was kept forgets it with the span
                watchers = self._span_watchers
                try:
                    # A weak reference with a callback, not `weakref.finalize`: a few times cheaper, once per span.
                    watchers[span_id] = weakref.ref(span, functools.partial(_forget_span, counts, watchers, span_id))
                except TypeError:  # a span class that cannot be referenced weakly: not counted, never kept
                    counts.pop(span_id, None)
        count = next(counter)
        if count >= limit:
            span.set_attribute(semconv.DROPPED_EVENTS, count + 1 - limit)
            return False
        return True

    def _emit_in_span(self, span: Span, evaluation: Evaluation) -> None:
        """A span event, a log record in the span's context (the current one: it carries the trace), or both."""
        log = self._log_events and self._logs_enabled()
        if not log and not self._event_on_span:
            return  # check first: nothing would receive what would be built
        attributes = self._event_attributes(evaluation)
        if self._event_on_span:
            span.add_event(self._event_name, attributes)
        if log:
            self._logger.emit(timestamp=time.time_ns(), event_name=self._event_name, attributes=attributes)

    def attributes(self, evaluation: Evaluation) -> dict[str, AttributeValue]:
        """The event attributes of `evaluation` in the configured semconv mode."""
        return self._attributes(evaluation)

    def _series(self, evaluation: Evaluation) -> Series:
        """The metric series `evaluation` counts in, its names made valid and bounded under these options (the
        instruments are shared by every app using one meter provider; each app's own limit applies to its own)."""
        reason: str | None
        reason, error_type = outcome(evaluation)
        # No made-up "unknown" series in the metrics; never recorded means in the metrics too.
        if evaluation.reason is None and error_type is None:
            reason = None
        excluded = self._excluded
        failed = error_type is not None
        raw: Series
        if not excluded:  # the common case, without five lookups
            raw = (evaluation.key, evaluation.variant, reason, evaluation.provider_name or None, error_type, failed)
        else:
            raw = (
                None if semconv.KEY in excluded else evaluation.key,
                None if semconv.RESULT_VARIANT in excluded else evaluation.variant,
                None if semconv.RESULT_REASON in excluded else reason,
                None if semconv.PROVIDER_NAME in excluded else evaluation.provider_name or None,
                None if semconv.ERROR_TYPE in excluded else error_type,
                failed,
            )
        try:
            cleaned = self._cleaned_series.get(raw)
        except Exception:  # a key whose hash or comparison raises: cleaned every time
            cleaned = None
        if cleaned is None:
            limit = self._max_length
            key, variant, reason, provider_name, error_type, _ = raw
            cleaned = (
                None if key is None else clean_text(key, limit),
                None if variant is None else clean_text(variant, limit),
                None if reason is None else clean_text(reason, limit),
                None if provider_name is None else clean_text(provider_name, limit),
                None if error_type is None else clean_text(error_type, limit),
                failed,
            )
            if len(self._cleaned_series) < _MAX_CLEANED_SERIES and type(raw[0]) is str:
                self._cleaned_series[raw] = cleaned
        return cleaned


def _forget_span(
    counts: dict[int, itertools.count[int]], watchers: dict[int, weakref.ref[Span]], span_id: int, _: object
) -> None:
    """A span is collected: its event counter and its watcher go with it."""
    counts.pop(span_id, None)
    watchers.pop(span_id, None)


def _never_again(*_: object) -> bool:
    """`Recorder.again` where outcomes are not prepared: no evaluation takes the shortest lane."""
    return False


def _never_known(*_: object) -> None:
    """`Recorder.known` where outcomes are not prepared: every evaluation takes the general path."""
    return None


def _request_impact() -> _impact.RequestImpact | None:
    in_flight = IN_FLIGHT.get()
    return None if in_flight is None else in_flight.impact
