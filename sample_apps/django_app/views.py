"""The Django app's pages."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sample_apps.common import pages
from sample_apps.common.flags import beta_dashboard, flag_client, storefront
from sample_apps.django_app.flags import plan_of

client = flag_client()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # Counting visits stores something in the session, so even anonymous visitors get one from here on.
    request.session["visits"] = request.session.get("visits", 0) + 1
    user = request.user
    name = user.get_short_name() if isinstance(user, User) else None
    return HttpResponse(pages.home_page(storefront(client), name or None))


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    csrf_field = format_html("<input type='hidden' name='csrfmiddlewaretoken' value='{}'>", get_token(request))
    if request.method == "GET":
        return HttpResponse(pages.login_page(hidden_fields=csrf_field))
    email, password = request.POST.get("email", ""), request.POST.get("password", "")
    user = authenticate(request, username=email, password=password)
    if user is None:
        return HttpResponse(pages.login_page("Unknown email or wrong password.", csrf_field), status=401)
    login(request, user)
    return HttpResponseRedirect("/", status=303)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/", status=303)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required saw to it
    max_items = client.get_integer_value("max-items", 5)
    return HttpResponse(pages.account_page(user.get_short_name(), plan_of(user), max_items))


@require_GET
def beta(request: HttpRequest) -> HttpResponse:
    return HttpResponse(pages.beta_page(beta_dashboard(client)))


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
