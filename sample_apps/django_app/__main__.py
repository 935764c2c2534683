"""``python -m sample_apps.django_app [--host 127.0.0.1] [--port 8000]``: the Django sample app under runserver."""

from __future__ import annotations

import os

import django
from django.core.management import call_command

from sample_apps.common.cli import parse_server_arguments
from sample_apps.common.flags import flag_client, use_flagd
from sample_apps.common.jobs import PeriodicJob, warm_up
from sample_apps.common.telemetry import configure_telemetry


def main(argv: list[str] | None = None) -> None:
    arguments = parse_server_arguments("Django sample app", argv, default_port=8000)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sample_apps.django_app.settings"  # this app, whatever the shell says
    configure_telemetry("ff-otel-sample-django")
    use_flagd()
    django.setup()

    from sample_apps.django_app.first_run import prepare_database

    prepare_database()
    # Loading the WSGI application loads the middleware, which installs ff-otel: the start-up job is recorded.
    import sample_apps.django_app.wsgi  # noqa: F401

    warm_up(flag_client())
    job = PeriodicJob(flag_client())
    job.start()
    try:
        call_command("runserver", f"{arguments.host}:{arguments.port}", use_reloader=False, use_threading=True)
    finally:
        job.stop()


if __name__ == "__main__":
    main()
