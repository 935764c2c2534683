"""The Flask sample app: ff-otel through the extension's ``init_app`` in an app factory, with Flask-Login.

Run: ``python -m sample_apps.flask_app [--port 5000]``
"""

from __future__ import annotations

from sample_apps.flask_app.app import create_app

__all__ = ["create_app"]
