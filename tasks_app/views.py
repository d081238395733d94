"""Server-rendered pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tasks_app.selectors import tasks_of


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(tasks_of(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "tasks/list.html", {"page": page})
