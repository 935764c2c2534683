"""`evaluate_flags`: reads one flag, then prints every log record the process exported, as JSON lines."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from openfeature import api


class Command(BaseCommand):
    help = "Evaluate a flag outside any request and print the exported log records."

    def handle(self, *args: Any, **options: Any) -> None:
        api.get_client().get_boolean_value("command-flag", True)
        for record in settings.LOG_EXPORTER.get_finished_logs():
            attributes = dict(record.log_record.attributes or {})
            self.stdout.write(json.dumps({"event_name": record.log_record.event_name, **attributes}))
