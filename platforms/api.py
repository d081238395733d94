"""Staff-only view of the account pool. Never exposes sessions or credentials."""

from __future__ import annotations

from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platforms.models import PlatformAccount


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformAccount
        # An explicit allow-list: a new secret field can never leak by default.
        fields = [
            "label",
            "platform",
            "kind",
            "status",
            "cooldown_until",
            "last_used_at",
            "requests_count",
            "flood_waits_count",
            "tasks_count",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AccountListView(APIView):
    permission_classes = [permissions.IsAdminUser]

    def get(self, request: Request) -> Response:
        accounts = PlatformAccount.objects.order_by("platform", "label")
        return Response({"accounts": AccountSerializer(accounts, many=True).data})
