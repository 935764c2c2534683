"""A Flask app that evaluates flags and knows nothing of ff-otel; `opentelemetry-instrument` turns ff-otel on.

Run: ``opentelemetry-instrument python -m tests.instrument.flask_site PORT``
"""

from __future__ import annotations

import sys

import flask

from tests.instrument.flags import storefront, use_in_memory_flags

app = flask.Flask(__name__)
app.secret_key = "flask-site-secret"


@app.get("/")
def home() -> str:
    return storefront()


if __name__ == "__main__":
    use_in_memory_flags()
    app.run(host="127.0.0.1", port=int(sys.argv[1]), use_reloader=False)
