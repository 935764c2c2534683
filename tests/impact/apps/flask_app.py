"""The checkout as a Flask app, with `FeatureFlags(app)` listing the impact flag.

Run: ``gunicorn tests.impact.apps.flask_app:app``
"""

from __future__ import annotations

import time

import flask

from ff_otel_flask import FeatureFlags
from tests.impact.apps.telemetry import SLOW_SECONDS, configure_metrics
from tests.impact_app import FLAG, checkout_status, cohort_context, new_checkout, use_checkout_flags

configure_metrics("impact-flask")
use_checkout_flags()

app = flask.Flask(__name__)
FeatureFlags(app, impact_flags=[FLAG], context_builder=cohort_context)


@app.get("/checkout/<int:order>")
def checkout(order: int) -> tuple[str, int]:
    enabled = new_checkout()
    if enabled:
        time.sleep(SLOW_SECONDS)  # the slow variant's own behaviour, which the histogram must show
    return "done", checkout_status(order, enabled)


@app.get("/healthz")
def healthz() -> str:
    return "ok"
