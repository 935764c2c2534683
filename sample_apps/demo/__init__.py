"""The ``ff-otel`` console command and its ``demo``: a sample app, a scripted visit, and what ff-otel recorded.

Usage: ``ff-otel demo [--framework fastapi|flask|django] [--json]`` or ``python -m sample_apps.demo demo``
"""

from __future__ import annotations

from sample_apps.demo._app_process import FRAMEWORKS, SampleApp, SampleAppError
from sample_apps.demo._cli import main
from sample_apps.demo._run import DemoRun, run_demo
from sample_apps.demo._visit import Hit, scripted_visit

__all__ = ["FRAMEWORKS", "DemoRun", "Hit", "SampleApp", "SampleAppError", "main", "run_demo", "scripted_visit"]
