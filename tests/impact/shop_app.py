"""A Flask shop under a real server, exporting its traces over OTLP/HTTP, where one variant is slow and failing.

`checkout-flow=express` (users ending in 8 or 9) sleeps 40 ms and fails every third request with a 500; the
`classic` and `modern` variants behave the same, and so do `banner-color`'s two.

Run: ``gunicorn tests.impact.shop_app:app`` with OTEL_EXPORTER_OTLP_ENDPOINT set.
"""

from __future__ import annotations

import time
from typing import Any

import flask
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

from ff_otel_flask import FeatureFlags
from tests.e2e.apps.telemetry import configure_telemetry

SERVICE = "impact-shop"
SLOW_SECONDS = 0.04


def _checkout(flag: InMemoryFlag[Any], context: EvaluationContext) -> FlagResolutionDetails[Any]:
    last = int(context.targeting_key or "0") % 10
    variant = "classic" if last < 5 else "modern" if last < 8 else "express"
    return FlagResolutionDetails(value=flag.variants[variant], variant=variant, reason=Reason.TARGETING_MATCH)


def _banner(flag: InMemoryFlag[Any], context: EvaluationContext) -> FlagResolutionDetails[Any]:
    variant = ("red", "blue")[int(context.targeting_key or "0") % 2]
    return FlagResolutionDetails(value=flag.variants[variant], variant=variant, reason=Reason.SPLIT)


configure_telemetry(SERVICE)
api.set_provider_and_wait(
    InMemoryProvider(
        {
            "checkout-flow": InMemoryFlag(
                "classic", {"classic": "classic", "modern": "modern", "express": "express"}, context_evaluator=_checkout
            ),
            "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}, context_evaluator=_banner),
        }
    )
)
app = flask.Flask(__name__)
FeatureFlags(app)


def _user() -> EvaluationContext:
    return EvaluationContext(flask.request.args.get("user", "0"))


@app.get("/checkout")
def checkout() -> tuple[str, int]:
    user = _user()
    if api.get_client().get_string_value("checkout-flow", "classic", user) == "express":
        time.sleep(SLOW_SECONDS)  # the slow variant's own behaviour, which the report must find
        if int(user.targeting_key or "0") % 3 == 0:
            return "express failed", 500
    return "ok", 200


@app.get("/banner")
def banner() -> tuple[str, int]:
    api.get_client().get_string_value("banner-color", "#000000", _user())
    return "ok", 200


@app.get("/healthz")
def healthz() -> str:
    return "ok"
