"""The Django sample app: ff-otel through ``MIDDLEWARE`` and ``settings.FF_OTEL``, with Django's auth on sqlite.

Run: ``python -m sample_apps.django_app [--port 8000]`` (creates the database and the demo users on first run)
"""
