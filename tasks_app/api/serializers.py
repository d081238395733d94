from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tasks_app.models import ParseResult, ParseTask

# Deeper than any task goes (100,000 people); bigger numbers overflow the database.
MAX_OFFSET = 10_000_000


class TaskCreateSerializer(serializers.Serializer):
    platform = serializers.CharField(max_length=32)
    link = serializers.CharField(
        max_length=500,
        allow_blank=True,
        help_text="A group or channel link, or the search text for a search task.",
    )
    task_type = serializers.ChoiceField(
        choices=ParseTask.TaskType.choices, default=ParseTask.TaskType.PARSE
    )
    priority = serializers.ChoiceField(
        choices=ParseTask.Priority.choices, default=ParseTask.Priority.NORMAL
    )
    settings = serializers.JSONField(required=False, default=dict)

    def validate_link(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The link is empty: paste a group or channel link.")
        return value.strip()


class TaskSerializer(serializers.ModelSerializer):
    results_url = serializers.SerializerMethodField()

    class Meta:
        model = ParseTask
        fields = [
            "task_id",
            "platform",
            "link",
            "target",
            "task_type",
            "priority",
            "status",
            "progress",
            "settings",
            "processed_messages",
            "processed_users",
            "result_count",
            "error_message",
            "waiting_reason",
            "coverage",
            "created_at",
            "updated_at",
            "started_at",
            "completed_at",
            "results_url",
        ]
        read_only_fields = fields

    def get_results_url(self, task: ParseTask) -> str:
        return f"/api/v1/tasks/{task.task_id}/results/"


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ParseResult
        fields = [
            "platform_id",
            "content_type",
            "username",
            "display_name",
            "phone",
            "joined_at",
            "metadata",
            "created_at",
        ]
        read_only_fields = fields


class ResultQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], default="json")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)
    after = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, required=False, help_text="Cursor: results after this id."
    )
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)
    has_phone = serializers.BooleanField(required=False, allow_null=True, default=None)
    has_username = serializers.BooleanField(required=False, allow_null=True, default=None)
    source = serializers.ChoiceField(choices=["members", "commenters", "authors"], required=False)

    def filters(self) -> dict[str, Any]:
        data = self.validated_data
        return {k: data.get(k) for k in ("q", "has_phone", "has_username", "source")}


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, allow_blank=True)
    platform = serializers.CharField(max_length=32, default="telegram")
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)
