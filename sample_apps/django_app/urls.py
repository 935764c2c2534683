"""URLs of the Django sample app."""

from __future__ import annotations

from django.urls import path

from sample_apps.django_app import views

urlpatterns = [
    path("", views.home),
    path("login", views.login_view),
    path("logout", views.logout_view),
    path("account", views.account),
    path("beta", views.beta),
    path("healthz", views.healthz),
]
