"""Django's own `runserver`, serving on the listening socket the test bound and handed over (no port to race for)."""

from __future__ import annotations

from django.core.management.commands.runserver import Command as RunserverCommand
from django.core.servers.basehttp import WSGIServer

from tests._support.servers import adopt_socket, inherited_socket


class InheritedSocketWSGIServer(WSGIServer):
    """Django's development server on the inherited socket instead of one it binds."""

    def server_bind(self) -> None:
        adopt_socket(self, inherited_socket())


class Command(RunserverCommand):
    server_cls = InheritedSocketWSGIServer
