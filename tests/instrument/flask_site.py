"""A Flask app that evaluates flags and knows nothing of ff-otel; `opentelemetry-instrument` turns ff-otel on.

Run: ``opentelemetry-instrument python -m tests.instrument.flask_site`` with a listening socket's file descriptor in
``TEST_SERVER_FD``: werkzeug's threaded server, as ``app.run()`` starts it, on that socket.
"""

from __future__ import annotations

import flask
from werkzeug.serving import make_server

from tests._support.servers import HOST, inherited_fd
from tests.instrument.flags import storefront, use_in_memory_flags

app = flask.Flask(__name__)
app.secret_key = "flask-site-secret"


@app.get("/")
def home() -> str:
    return storefront()


if __name__ == "__main__":
    use_in_memory_flags()
    make_server(HOST, 0, app, threaded=True, fd=inherited_fd()).serve_forever()
