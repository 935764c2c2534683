"""Importing this module sets Django up with the test project's settings, for every folder that runs Django in-process.

Django is configured here, not in the pytest settings, so that pytest-django needs no Django where no Django test
runs. The environment's DJANGO_SETTINGS_MODULE, when set, wins.

Usage: ``import tests.django.project`` before anything reads `django.conf.settings`.
"""

from __future__ import annotations

import os

import django
from django.apps import apps

SETTINGS_MODULE = "tests.django.settings"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
if not apps.ready:
    django.setup()
