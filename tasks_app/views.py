"""Server-rendered pages: each view reads the request, calls a service or a
selector (tasks_app.dashboard for page-only needs) and renders a template.

Fragments (`…/row/`, `…/summary/`, `…/results/`) are the same templates the
pages include; the page's small script fetches them to refresh a row when a
task changes status, to add a task created elsewhere and to show more results.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from platforms.errors import InvalidQuery, PlatformError, PlatformNotAvailable, UnknownPlatform
from tasks_app import dashboard, exports, services
from tasks_app.forms import CollectForm, SearchForm, TaskForm
from tasks_app.selectors import results_of, task_of, tasks_of


def _back(request: HttpRequest, default: str) -> str:
    """Where a POST form asked to return to, if that is a page of this site."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- tasks ----------------------------------------------------------------------------------


@login_required
@require_safe
def task_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(tasks_of(request.user), dashboard.TASKS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "tasks/list.html", {"page": page, "live_insert": page.number == 1})


@login_required
@require_safe
def task_row(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    return render(request, "tasks/_row.html", {"task": task, "back": reverse("task-list")})


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "tasks/new.html", {"form": TaskForm()})
    form = TaskForm(request.POST)
    if not form.is_valid():
        return render(request, "tasks/new.html", {"form": form})
    data = form.cleaned_data
    outcome = dashboard.create_tasks(
        owner=request.user,
        platform=data["platform"],
        lines=data["lines"],
        task_type=data["task_type"],
        priority=data["priority"],
        settings=data["settings"],
    )
    created = len(outcome.tasks)
    if created:
        messages.success(request, f"Created {created} task{'s' if created != 1 else ''}.")
    if not outcome.errors:
        return redirect("task-list")
    # Keep only the refused lines in the box, each with its reason beside it.
    retry = request.POST.copy()
    retry["links"] = "\n".join(error.text for error in outcome.errors)
    form = TaskForm(retry)
    form.is_valid()
    for error in outcome.errors:
        form.add_error("links", f"“{error.text}”: {error.message}")
    return render(request, "tasks/new.html", {"form": form, "refused": len(outcome.errors)})


@login_required
@require_safe
def task_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    after = dashboard.parse_cursor(request.GET.get("after")) or 0
    context = {
        "task": task,
        "summary": dashboard.summary(task),
        "page": dashboard.results_page(task, after=after),
        "after": after,
        "back": request.get_full_path(),
    }
    return render(request, "tasks/detail.html", context)


@login_required
@require_safe
def task_summary(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    context = {"task": task, "summary": dashboard.summary(task), "back": task_url(task_id)}
    return render(request, "tasks/_summary.html", context)


@login_required
@require_safe
def task_results(request: HttpRequest, task_id: str) -> HttpResponse:
    """The rows after `?after=<cursor>`; the next cursor travels in headers."""
    task = task_of(request.user, task_id)
    after = dashboard.parse_cursor(request.GET.get("after"))
    if after is None:
        return HttpResponseBadRequest("after must be a result id.", content_type="text/plain")
    page = dashboard.results_page(task, after=after)
    response = render(request, "tasks/_result_rows.html", {"task": task, "page": page})
    response["X-Cursor"] = str(page.cursor)
    response["X-Has-More"] = "1" if page.has_more else "0"
    response["X-Rows"] = str(len(page.rows))
    return response


@login_required
@require_safe
def task_export(request: HttpRequest, task_id: str, fmt: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    if fmt == "xlsx":
        return exports.xlsx_response(task, results_of(task))
    return exports.csv_response(task, results_of(task))


@login_required
@require_POST
def task_cancel(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    if services.task_cancel(task):
        messages.success(request, f"Cancelled {task.link}.")
    else:
        messages.warning(request, f"{task.link} is already {task.status}; nothing to cancel.")
    return redirect(_back(request, reverse("task-list")))


@login_required
@require_POST
def task_retry(request: HttpRequest, task_id: str) -> HttpResponse:
    task = task_of(request.user, task_id)
    if services.task_retry(task):
        messages.success(request, f"Retrying {task.link}; it resumes where it stopped.")
    else:
        messages.warning(
            request, f"{task.link} is {task.status}; only failed or cancelled tasks are retried."
        )
    return redirect(_back(request, reverse("task-list")))


def task_url(task_id: str) -> str:
    return reverse("task-detail", args=[task_id])


# --- community search ----------------------------------------------------------------------


@login_required
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    communities = None
    if "q" not in request.GET:
        return render(request, "search.html", {"form": SearchForm(), "communities": None})
    form = SearchForm(request.GET)
    if form.is_valid():
        try:
            communities = dashboard.find_communities(
                platform=form.cleaned_data["platform"], query=form.cleaned_data["q"]
            )
        except InvalidQuery as error:
            form.add_error("q", str(error))
        except (PlatformNotAvailable, UnknownPlatform) as error:
            form.add_error("platform", str(error))
        except PlatformError as error:  # no account free, the platform refused ...
            form.add_error(None, str(error))
    context = {"form": form, "communities": communities, "back": request.get_full_path()}
    return render(request, "search.html", context)


@login_required
@require_POST
def collect(request: HttpRequest) -> HttpResponse:
    form = CollectForm(request.POST)
    back = _back(request, reverse("search"))
    if not form.is_valid():
        messages.error(request, "That search result could not be collected; search again.")
        return redirect(back)
    try:
        task = dashboard.collect_community(
            owner=request.user,
            platform=form.cleaned_data["platform"],
            link=form.cleaned_data["link"],
        )
    except PlatformError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, f"Collecting {task.link}: the task is below.")
    return redirect("task-list")
