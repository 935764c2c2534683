"""The demo: a sample app, a scripted visit, and what ff-otel recorded.

Usage, from the root of a checkout: ``python -m sample_apps.demo [--framework fastapi|flask|django] [--json]``
"""

from __future__ import annotations

from sample_apps.demo._app_process import FRAMEWORKS, SampleApp, SampleAppError
from sample_apps.demo._cli import main
from sample_apps.demo._run import DemoRun, run_demo
from sample_apps.demo._visit import Hit, scripted_visit

__all__ = ["FRAMEWORKS", "DemoRun", "Hit", "SampleApp", "SampleAppError", "main", "run_demo", "scripted_visit"]
