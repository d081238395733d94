from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from tasks_app import services
from tasks_app.models import ParseResult, ParseTask

INLINE_ROWS = 50


class FirstRowsFormSet(BaseInlineFormSet):
    """Shows only the first rows: a task may hold 100,000 people."""

    def get_queryset(self) -> QuerySet[ParseResult]:
        if not hasattr(self, "_first_rows"):
            self._first_rows = super().get_queryset()[:INLINE_ROWS]
        return self._first_rows


class ResultInline(admin.TabularInline):
    model = ParseResult
    formset = FirstRowsFormSet
    fields = ["platform_id", "username", "display_name", "phone", "joined_at", "metadata"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = f"Results (first {INLINE_ROWS}; see all through the link above)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ParseTask)
class ParseTaskAdmin(admin.ModelAdmin):
    list_display = [
        "task_id",
        "owner",
        "platform",
        "task_type",
        "link",
        "priority",
        "status",
        "progress",
        "result_count",
        "created_at",
    ]
    list_filter = ["status", "platform", "priority", "task_type"]
    search_fields = ["task_id", "link", "target", "owner__username"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "task_id",
        "owner",
        "platform",
        "link",
        "target",
        "task_type",
        "status",
        "progress",
        "settings",
        "processed_messages",
        "processed_users",
        "result_count",
        "result_summary",
        "error_message",
        "waiting_reason",
        "coverage",
        "checkpoint",
        "attempts",
        "heartbeat_at",
        "created_at",
        "updated_at",
        "started_at",
        "completed_at",
    ]
    fields = ["priority", *readonly_fields]
    inlines = [ResultInline]
    actions = ["cancel_tasks", "retry_tasks"]
    list_select_related = ["owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tasks are created by users through the API or the pages

    @admin.display(description="Results")
    def result_summary(self, task: ParseTask) -> str:
        results = ParseResult.objects.filter(task=task)
        url = reverse("admin:tasks_app_parseresult_changelist") + f"?task__id__exact={task.pk}"
        return format_html(
            '<a href="{}">{} results</a>: {} with a phone, {} with a username, {} bots, '
            "{} deleted accounts",
            url,
            results.count(),
            results.exclude(phone__isnull=True).exclude(phone="").count(),
            results.exclude(username="").count(),
            results.filter(metadata__is_bot=True).count(),
            results.filter(metadata__is_deleted=True).count(),
        )

    @admin.action(description="Cancel the selected tasks")
    def cancel_tasks(self, request: HttpRequest, queryset: QuerySet[ParseTask]) -> None:
        done = sum(services.task_cancel(task) for task in queryset)
        self.message_user(request, f"Cancelled {done} task(s).", messages.SUCCESS)

    @admin.action(description="Retry the selected failed or cancelled tasks")
    def retry_tasks(self, request: HttpRequest, queryset: QuerySet[ParseTask]) -> None:
        done = sum(services.task_retry(task) for task in queryset)
        self.message_user(request, f"Queued {done} task(s) again.", messages.SUCCESS)


@admin.register(ParseResult)
class ParseResultAdmin(admin.ModelAdmin):
    list_display = [
        "platform_id",
        "username",
        "display_name",
        "phone",
        "joined_at",
        "content_type",
        "task",
    ]
    list_filter = ["platform", "content_type"]
    search_fields = ["platform_id", "username", "display_name", "task__task_id"]
    readonly_fields = [
        "task",
        "platform",
        "content_type",
        "platform_id",
        "username",
        "display_name",
        "phone",
        "joined_at",
        "metadata",
        "created_at",
    ]
    list_select_related = ["task"]
    show_full_result_count = False  # COUNT(*) over millions of rows on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
