"""Servers on 127.0.0.1 without a race for a free port: the test process binds the listening socket and hands it over.

A port found free and then passed as a number to a server can be taken by someone else in between. Here the
socket is bound (and listening) before the server starts, and the server inherits it: gunicorn through
``--bind fd://{fd}``, uvicorn through ``--fd {fd}``, any `socketserver` server (Django's runserver, wsgiref,
werkzeug) through `adopt_socket`. Connections that arrive before the server accepts wait in the socket's backlog.

Usage::

    with ServerProcess([sys.executable, "-m", "uvicorn", "--fd", "{fd}", "app:app"], log=log_path) as server:
        server.wait_ready(server.answers("/healthz"), what="uvicorn")
        urllib.request.urlopen(server.url + "/")
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import socketserver
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from wsgiref.simple_server import WSGIServer

from tests._support.waiting import wait_until

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
"""The checkout's root: child processes run from it, so they import `tests` and the sample apps as this one does."""
SERVER_FD_ENV = "TEST_SERVER_FD"
"""Set in a child server's environment: the file descriptor of the listening socket it inherited."""
BACKLOG = 512
"""Room for every connection a load run opens before the server accepts its first one."""


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:`port` (0: one the system picks), not listening yet.

    `SO_REUSEPORT` lets a second such socket bind the same port before the first one closes, so a port can be
    held from one socket to the next without ever being free (the receiver's down/up faults).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    return sock


def listening_socket(backlog: int = BACKLOG) -> socket.socket:
    """A TCP socket bound to a port of 127.0.0.1 the system picked, and listening."""
    sock = bound_socket()
    sock.listen(backlog)
    return sock


def port_of(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def inherited_fd() -> int:
    """In a child server: the file descriptor of the listening socket its parent handed over (`SERVER_FD_ENV`)."""
    return int(os.environ[SERVER_FD_ENV])


def inherited_socket() -> socket.socket:
    """In a child server: the listening socket its parent handed over; closing it (or losing it) closes the fd."""
    return socket.socket(fileno=inherited_fd())


def adopt_socket(server: socketserver.TCPServer, sock: socket.socket) -> None:
    """Make `server` serve on `sock`, bound and listening already, instead of a socket of its own.

    Call it from a subclass's `server_bind` (where the server would bind), or on a server made with
    `bind_and_activate=False`.
    """
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    if isinstance(server, http.server.HTTPServer):
        host, port = server.server_address[:2]
        server.server_name, server.server_port = str(host), int(port)
    if isinstance(server, WSGIServer):
        server.setup_environ()


class ServerProcess:
    """A server in a child process (its own process group), serving on a socket bound here.

    `argv` may name the socket's file descriptor as ``{fd}``; the child also finds it in `SERVER_FD_ENV`.
    `extra_sockets` are handed over too (a second port, such as a metrics endpoint). Output goes to `log`, or
    to pipes read by `finish()` when `log` is None.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log: Path | None = None,
        extra_sockets: Iterable[socket.socket] = (),
    ) -> None:
        self.socket = listening_socket()
        self.port = port_of(self.socket)
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = log
        handed = [self.socket, *extra_sockets]
        fd = self.socket.fileno()
        environment = {**(os.environ if env is None else env), SERVER_FD_ENV: str(fd)}
        self._log = None if log is None else open(log, "wb")  # noqa: SIM115 - closed in stop()
        try:
            self.process = subprocess.Popen(
                [part.format(fd=fd) for part in argv],
                cwd=ROOT,
                env=environment,
                stdout=subprocess.PIPE if self._log is None else self._log,
                stderr=subprocess.PIPE if self._log is None else subprocess.STDOUT,
                pass_fds=[sock.fileno() for sock in handed],
                start_new_session=True,  # its own process group, so that stopping it reaches every worker
            )
        finally:
            # The child holds the sockets now: once it exits, clients are refused instead of left waiting.
            for sock in handed:
                sock.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def log(self) -> str:
        """What the server wrote so far (with `log`)."""
        return "" if self.log_path is None else self.log_path.read_text(errors="replace")

    def answers(self, path: str) -> Callable[[], bool]:
        """A readiness check: the server answers a GET of `path` with any HTTP status."""

        def check() -> bool:
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False

        return check

    def wait_ready(self, ready: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
        """Wait until `ready()`; fail at once, with the server's output, if the server exits first."""

        def serving() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{what} exited with {self.process.returncode}:\n{self.log()}")
            return ready()

        wait_until(serving, timeout=timeout, what=f"{what} to serve:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10) -> int:
        """Signal the process group, SIGKILL what is left after `grace` seconds; the exit status."""
        try:
            if self.process.poll() is None:
                self._signal_group(sig)
                try:
                    self.process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    self.process.wait(timeout=5)
            # Workers that outlived their master (they should not) go with the group too.
            self._signal_group(signal.SIGKILL)
        finally:
            if self._log is not None:
                self._log.close()
        return self.process.returncode

    def finish(self, sig: int = signal.SIGINT, grace: float = 10) -> tuple[str, str]:
        """Signal the server to stop gracefully and return its stdout and stderr (without `log`)."""
        self._signal_group(sig)
        try:
            stdout, stderr = self.process.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            stdout, stderr = self.process.communicate()
        return _text(stdout), _text(stderr)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


def _text(output: bytes | None) -> str:
    return "" if output is None else output.decode(sys.getdefaultencoding(), errors="replace")
