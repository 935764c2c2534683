"""Fixtures of the end-to-end suite: the OTLP receiver, the apps' shared files, and the apps under real servers.

Servers are session-scoped and parametrized indirectly, so pytest runs every test of one deployment together
and starts each deployment once; every server is stopped (its whole process group) in teardown.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from tests._support.receiver import Receiver
from tests._support.waiting import wait_until
from tests.e2e.apps.settings import FAULTS_DIR_ENV, FLAG_EVENTS_DIR_ENV, FLAG_FILE_ENV, SECRET_KEY_ENV
from tests.e2e.servers import DEPLOYMENTS, Deployment, Server

FLAGS_SOURCE = Path(__file__).parent / "apps" / "flags.json"
EXPORT_TIMEOUT_SECONDS = 2
"""Each OTLP export gives up after this long: keeps the receiver-fault tests short."""
FLAG_RELOAD_SECONDS = 30
"""Bounds the wait for flagd to read a changed flag file (it looks every 100 ms in each process)."""


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

    @property
    def flag_events(self) -> Path:
        return self.root / "flag-events"

    def flag_events_seen(self) -> dict[str, dict[str, int]]:
        """Per app process: how often flagd loaded the flag file (`loaded`) and failed to read it (`failed`)."""
        return {path.name: json.loads(path.read_text()) for path in self.flag_events.iterdir() if path.name.isdigit()}

    def change_flags(self, change: Callable[[Path], None], expect: Literal["loaded", "failed"]) -> None:
        """Apply `change` to the flag file, then wait until flagd in every app process has `expect`-ed the result.

        A file flagd cannot read is reported again at every look, so `failed` may count a look at the file before.
        """
        before = self.flag_events_seen()
        change(self.flag_file)

        def all_read() -> bool:
            now = self.flag_events_seen()
            return all(now.get(pid, counts)[expect] > counts[expect] for pid, counts in before.items())

        wait_until(all_read, timeout=FLAG_RELOAD_SECONDS, what=f"flagd in every app process: flag file {expect}")

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
    for name in ("faults", "sessions", "logs", "flag-events"):
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
        FLAG_EVENTS_DIR_ENV: str(workspace.flag_events),
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
    for stale in workspace.flag_events.iterdir():  # the processes of the deployment before
        stale.unlink()
    server = Server(deployment, environment, workspace.root / "logs" / f"{deployment.name}.log")
    try:
        server.wait_until_serving()
        # Each worker evaluates one flag as it starts, outside any request: an OTLP log record each.
        receiver.wait_for(lambda r: len(r.logs) >= deployment.processes, timeout=10)
        wait_until(lambda: len(workspace.flag_events_seen()) >= deployment.processes, timeout=10,
                   what="every worker to load its flags")  # fmt: skip
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
        workspace.change_flags(lambda _: workspace.restore_flags(), "loaded")
    receiver.mode = "ok"
    if receiver.port and not receiver.listening:
        receiver.up()
