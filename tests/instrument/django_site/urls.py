"""The Django site's URLs; its provider is set when they load (the first request)."""

from __future__ import annotations

from django.urls import path

from tests.instrument.django_site.views import home
from tests.instrument.flags import use_in_memory_flags

use_in_memory_flags()

urlpatterns = [path("", home)]
