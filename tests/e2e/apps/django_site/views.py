"""The Django app's views: evaluate flags, log in and out, visit (start a session), evaluate odd values."""

from __future__ import annotations

import json
import os
import threading

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tests.e2e.apps.echo import evaluate_echo
from tests.e2e.apps.flags import evaluate_flags


def _answer(evaluations: int) -> JsonResponse:
    return JsonResponse({"evaluations": evaluations, "worker": f"{os.getpid()}:{threading.get_ident()}"})


def flags(request: HttpRequest) -> JsonResponse:
    return _answer(evaluate_flags(int(request.GET.get("n", "1"))))


@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    return _answer(evaluate_echo(json.loads(request.body)))


@csrf_exempt
def log_in(request: HttpRequest, user_id: int) -> JsonResponse:
    user = authenticate(request, user_id=str(user_id))
    login(request, user)
    return _answer(0)


@csrf_exempt
def log_out(request: HttpRequest) -> JsonResponse:
    logout(request)
    return _answer(0)


def visit(request: HttpRequest) -> JsonResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return _answer(0)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")
