"""``python -m sample_apps.fastapi_app [--host 127.0.0.1] [--port 8000]``: the FastAPI sample app under uvicorn."""

from __future__ import annotations

import uvicorn

from sample_apps.common.cli import parse_server_arguments
from sample_apps.common.flags import use_flagd
from sample_apps.common.telemetry import configure_telemetry
from sample_apps.fastapi_app.app import create_app


def main(argv: list[str] | None = None) -> None:
    arguments = parse_server_arguments("FastAPI sample app", argv, default_port=8000)
    configure_telemetry("ff-otel-sample-fastapi")
    use_flagd()
    uvicorn.run(create_app(), host=arguments.host, port=arguments.port)


if __name__ == "__main__":
    main()
