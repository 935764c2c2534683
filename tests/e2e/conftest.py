"""Fixtures of the end-to-end suite: the OTLP receiver, the apps' shared files, and the apps under real servers.

Servers are session-scoped and parametrized indirectly, so pytest runs every test of one deployment together
and starts each deployment once; every server is stopped (its whole process group) in teardown.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.apps.settings import FAULTS_DIR_ENV, FLAG_FILE_ENV, SECRET_KEY_ENV
from tests.e2e.receiver import Receiver
from tests.e2e.servers import DEPLOYMENTS, Deployment, Server

FLAGS_SOURCE = Path(__file__).parent / "apps" / "flags.json"
EXPORT_TIMEOUT_SECONDS = 2
"""Each OTLP export gives up after this long: keeps the receiver-fault tests short."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every test of one deployment together, across modules, so that each server starts only once."""
    here = Path(__file__).parent
    positions = [n for n, item in enumerate(items) if here in item.path.parents]
    if not positions:
        return
    ours = [items[n] for n in positions]
    ours.sort(key=_deployment_order)
    for n, item in zip(positions, ours, strict=True):
        items[n] = item


def _deployment_order(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    deployment = None if callspec is None else callspec.params.get("app_server")
    return DEPLOYMENTS.index(deployment) if deployment in DEPLOYMENTS else len(DEPLOYMENTS)


@dataclasses.dataclass(frozen=True)
class Workspace:
    """Files the apps and the test share: the flag file, the fault switches, sessions and logs."""

    root: Path
    secret_key: str

    @property
    def flag_file(self) -> Path:
        return self.root / "flags.json"

    @property
    def faults(self) -> Path:
        return self.root / "faults"

    def restore_flags(self) -> None:
        """Put the good flag file back (a new file, so flagd sees a new modification time)."""
        if self.flag_file.is_dir():
            shutil.rmtree(self.flag_file)
        staged = self.root / "flags.json.new"
        shutil.copyfile(FLAGS_SOURCE, staged)
        staged.replace(self.flag_file)

    def clear_faults(self) -> None:
        for switch in self.faults.iterdir():
            switch.unlink()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("e2e")
    for name in ("faults", "sessions", "logs"):
        (root / name).mkdir()
    # Secret material the receiver must never see: a marker no encoding would produce by chance.
    found = Workspace(root, "e2e-secret-" + secrets.token_hex(24))
    found.restore_flags()
    return found


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="session")
def app_server(request: pytest.FixtureRequest, receiver: Receiver, workspace: Workspace) -> Iterator[Server]:
    """The deployment given as the indirect parameter, running and ready; stopped at the end of the session."""
    deployment: Deployment = request.param
    environment = {
        FLAG_FILE_ENV: str(workspace.flag_file),
        FAULTS_DIR_ENV: str(workspace.faults),
        SECRET_KEY_ENV: workspace.secret_key,
        "E2E_SESSION_DIR": str(workspace.root / "sessions"),
        "DJANGO_SETTINGS_MODULE": "tests.e2e.apps.django_site.settings",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_EXPORTER_OTLP_TIMEOUT": str(EXPORT_TIMEOUT_SECONDS),
        # Room for every span of a load run, sent in batches every 200 ms, as a busy service would be tuned.
        "OTEL_BSP_MAX_QUEUE_SIZE": "20000",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "OTEL_PYTHON_EXCLUDED_URLS": "healthz",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",  # uvicorn.workers announces its move; not ours to fix
    }
    receiver.mode = "ok"
    receiver.clear()
    server = Server(deployment, environment, workspace.root / "logs" / f"{deployment.name}.log")
    try:
        server.wait_ready()
        # Each worker evaluates one flag as it starts, outside any request: an OTLP log record each.
        receiver.wait_for(lambda r: len(r.logs) >= deployment.processes, timeout=10)
        server.startup_logs = receiver.snapshot()[1]
        yield server
    finally:
        server.stop()


@pytest.fixture
def clean(receiver: Receiver, workspace: Workspace) -> Iterator[None]:
    """Each test starts with an empty, healthy receiver, no fault switched on and the good flag file."""
    receiver.mode = "ok"
    receiver.clear()
    yield
    workspace.clear_faults()
    if not workspace.flag_file.is_file() or workspace.flag_file.read_bytes() != FLAGS_SOURCE.read_bytes():
        workspace.restore_flags()
        time.sleep(0.5)  # flagd polls every 100 ms
    receiver.mode = "ok"
    if receiver.port and not receiver.listening:
        receiver.up()
