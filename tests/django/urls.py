from __future__ import annotations

from django.urls import path

from tests.django import views

urlpatterns = [
    path("", views.flags),
    path("flags/", views.flags),
    path("async-flags/", views.async_flags),
    path("items/<int:pk>/", views.item),
    path("boom/", views.boom),
    path("stream/", views.stream),
    path("async-stream/", views.async_stream),
    path("healthz/", views.flags),
    path("touch-session/", views.touch_session),
]
