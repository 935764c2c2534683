from __future__ import annotations

from django.urls import path

from tests.e2e.apps.django_site import views

urlpatterns = [
    path("flags", views.flags),
    path("echo", views.echo),
    path("login/<int:user_id>", views.log_in),
    path("logout", views.log_out),
    path("visit", views.visit),
    path("healthz", views.healthz),
]
