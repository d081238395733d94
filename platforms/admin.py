from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from platforms.models import AccountLease, PlatformAccount


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "platform",
        "kind",
        "status",
        "cooldown_until",
        "last_used_at",
        "leased_by",
        "requests_count",
        "flood_waits_count",
        "tasks_count",
        "last_error",
    ]
    list_filter = ["platform", "kind", "status"]
    search_fields = ["label", "phone"]
    # The session is never shown: only whether there is one.
    fields = ["label", "platform", "kind", "phone", "status", "cooldown_until", "has_session"]
    readonly_fields = ["has_session"]
    actions = ["disable", "enable", "reset_cooldown"]

    @admin.display(boolean=True, description="Session stored")
    def has_session(self, account: PlatformAccount) -> bool:
        return account.has_session

    @admin.action(description="Disable the selected accounts")
    def disable(self, request: HttpRequest, queryset: QuerySet[PlatformAccount]) -> None:
        count = queryset.update(status=PlatformAccount.Status.DISABLED)
        self.message_user(request, f"Disabled {count} account(s).", messages.SUCCESS)

    @admin.action(description="Enable the selected accounts")
    def enable(self, request: HttpRequest, queryset: QuerySet[PlatformAccount]) -> None:
        count = queryset.update(status=PlatformAccount.Status.ACTIVE, cooldown_until=None)
        self.message_user(request, f"Enabled {count} account(s).", messages.SUCCESS)

    @admin.action(description="Reset the cooldown of the selected accounts")
    def reset_cooldown(self, request: HttpRequest, queryset: QuerySet[PlatformAccount]) -> None:
        count = queryset.filter(status=PlatformAccount.Status.COOLING).update(
            status=PlatformAccount.Status.ACTIVE, cooldown_until=None
        )
        self.message_user(request, f"Reset {count} account(s).", messages.SUCCESS)


@admin.register(AccountLease)
class AccountLeaseAdmin(admin.ModelAdmin):
    list_display = ["account", "task", "holder", "started_at", "ended_at", "outcome"]
    list_filter = ["account"]
    readonly_fields = ["account", "task", "token", "holder", "started_at", "ended_at", "outcome"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
