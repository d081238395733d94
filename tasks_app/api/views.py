"""The REST API: thin views that validate, call a service and serialize."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platforms.registry import list_platforms
from platforms.services import search_communities
from tasks_app import exports, services
from tasks_app.api.pagination import TaskPagination
from tasks_app.api.serializers import (
    ResultQuerySerializer,
    ResultSerializer,
    SearchQuerySerializer,
    TaskCreateSerializer,
    TaskSerializer,
)
from tasks_app.health import health_report
from tasks_app.models import ParseTask
from tasks_app.selectors import results_of, task_of, tasks_of


class TaskListView(APIView):
    def get(self, request: Request) -> Response:
        paginator = TaskPagination()
        page = paginator.paginate_queryset(tasks_of(request.user), request, view=self)
        return paginator.get_paginated_response(TaskSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(owner=request.user, **serializer.validated_data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailView(APIView):
    def get(self, request: Request, task_id: str) -> Response:
        return Response(TaskSerializer(task_of(request.user, task_id)).data)

    def delete(self, request: Request, task_id: str) -> Response:
        services.task_delete(task_of(request.user, task_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _TaskActionView(APIView):
    """POST one state change; 409 with the reason when the task's state forbids it."""

    action: Callable[[ParseTask], bool]
    refusal: str

    def post(self, request: Request, task_id: str) -> Response:
        task = task_of(request.user, task_id)
        if not type(self).action(task):
            return Response(
                {"detail": self.refusal.format(status=task.status)},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(TaskSerializer(task).data)


class TaskCancelView(_TaskActionView):
    action = staticmethod(services.task_cancel)
    refusal = "The task is already {status}; only unfinished tasks can be cancelled."


class TaskRetryView(_TaskActionView):
    action = staticmethod(services.task_retry)
    refusal = "The task is {status}; only failed or cancelled tasks can be retried."


class TaskResultsView(APIView):
    def get(self, request: Request, task_id: str) -> Response | HttpResponse:
        task = task_of(request.user, task_id)
        query = ResultQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        results = results_of(task, query.filters())
        if params["format"] == "csv":
            return exports.csv_response(task, results)
        if params["format"] == "xlsx":
            return exports.xlsx_response(task, results)
        total = results.count()
        limit, offset = params["limit"], params["offset"]
        if "after" in params:
            page = list(results.filter(id__gt=params["after"])[:limit])
        else:
            page = list(results[offset : offset + limit])
        data: dict[str, Any] = {
            "task_id": task.task_id,
            "total": total,
            "offset": offset,
            "limit": limit,
            "next_after": page[-1].id if len(page) == limit else None,
            "results": ResultSerializer(page, many=True).data,
        }
        return Response(data)


class SearchView(APIView):
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = search_communities(
            platform=query.validated_data["platform"],
            query=query.validated_data["q"],
            limit=query.validated_data["limit"],
        )
        return Response(
            {
                "query": query.validated_data["q"],
                "results": [
                    {
                        "platform_id": c.platform_id,
                        "title": c.title,
                        "username": c.username,
                        "link": c.link,
                        "type": c.kind,
                        "participants_count": c.participants_count,
                        "verified": c.verified,
                        "scam": c.scam,
                    }
                    for c in found
                ],
            }
        )


class PlatformsView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"platforms": list_platforms()})


class HealthView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        report = health_report()
        code = status.HTTP_200_OK if report["ready"] else status.HTTP_503_SERVICE_UNAVAILABLE
        report["checked_at"] = timezone.now().isoformat()
        return Response(report, status=code)
