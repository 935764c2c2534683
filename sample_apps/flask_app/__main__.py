"""``python -m sample_apps.flask_app [--host 127.0.0.1] [--port 5000]``: the Flask sample app, threaded."""

from __future__ import annotations

from sample_apps.common.cli import parse_server_arguments
from sample_apps.common.flags import flag_client, use_flagd
from sample_apps.common.jobs import PeriodicJob, warm_up
from sample_apps.common.telemetry import configure_telemetry
from sample_apps.flask_app.app import create_app


def main(argv: list[str] | None = None) -> None:
    arguments = parse_server_arguments("Flask sample app", argv, default_port=5000)
    configure_telemetry("ff-otel-sample-flask")
    use_flagd()
    app = create_app()  # init_app installs ff-otel, so the start-up job below is recorded
    warm_up(flag_client())
    job = PeriodicJob(flag_client())
    job.start()
    try:
        app.run(host=arguments.host, port=arguments.port, threaded=True, use_reloader=False)
    finally:
        job.stop()


if __name__ == "__main__":
    main()
