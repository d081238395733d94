from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from platforms.errors import PlatformError
from platforms.forms import ImportSessionForm, LoginCodeForm, LoginPasswordForm, LoginStartForm
from platforms.models import AccountLease, PlatformAccount
from platforms.telegram import login

LOGIN_KEY = "telegram_login"


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
    actions = ["check_health", "disable", "enable", "reset_cooldown"]
    change_list_template = "admin/platforms/platformaccount/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are added by logging in or importing a session

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("login/", view(self.login_start), name="platforms_account_login"),
            path("login/code/", view(self.login_code), name="platforms_account_login_code"),
            path(
                "login/password/",
                view(self.login_password),
                name="platforms_account_login_password",
            ),
            path("import/", view(self.import_session), name="platforms_account_import"),
            *super().get_urls(),
        ]

    # --- adding accounts ---------------------------------------------------------

    def _step(self, request: HttpRequest, form: Any, title: str, intro: str = "") -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "intro": intro,
            "form": form,
        }
        return TemplateResponse(request, "admin/platforms/platformaccount/login_step.html", context)

    def _done(self, request: HttpRequest, account: PlatformAccount) -> HttpResponse:
        request.session.pop(LOGIN_KEY, None)
        self.message_user(request, f"Account {account.label} added to the pool.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:platforms_platformaccount_changelist"))

    def _state(self, request: HttpRequest) -> login.LoginState | None:
        sealed = request.session.get(LOGIN_KEY)
        if not sealed:
            return None
        try:
            return login.LoginState.unseal(sealed)
        except Exception:
            return None

    def login_start(self, request: HttpRequest) -> HttpResponse:
        form = LoginStartForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                state = login.login_start(**form.cleaned_data)
            except PlatformError as error:
                form.add_error(None, str(error))
            else:
                request.session[LOGIN_KEY] = state.seal()
                return HttpResponseRedirect(reverse("admin:platforms_account_login_code"))
        return self._step(request, form, "Log in a Telegram account", "Telegram sends a code.")

    def login_code(self, request: HttpRequest) -> HttpResponse:
        state = self._state(request)
        if state is None:
            return HttpResponseRedirect(reverse("admin:platforms_account_login"))
        form = LoginCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                account = login.login_code(state, form.cleaned_data["code"])
            except PlatformError as error:
                form.add_error("code", str(error))
            else:
                if account is None:
                    return HttpResponseRedirect(reverse("admin:platforms_account_login_password"))
                return self._done(request, account)
        return self._step(request, form, f"Code for {state.phone}")

    def login_password(self, request: HttpRequest) -> HttpResponse:
        state = self._state(request)
        if state is None:
            return HttpResponseRedirect(reverse("admin:platforms_account_login"))
        form = LoginPasswordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                account = login.login_password(state, form.cleaned_data["password"])
            except PlatformError as error:
                form.add_error("password", str(error))
            else:
                return self._done(request, account)
        return self._step(
            request,
            form,
            f"Two-step password for {state.phone}",
            "This account has two-step verification.",
        )

    def import_session(self, request: HttpRequest) -> HttpResponse:
        form = ImportSessionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                account = login.import_session(**form.cleaned_data)
            except PlatformError as error:
                form.add_error("session", str(error))
            else:
                return self._done(request, account)
        return self._step(request, form, "Import a Telethon session")

    @admin.action(description="Check health (ask Telegram who the account is)")
    def check_health(self, request: HttpRequest, queryset: QuerySet[PlatformAccount]) -> None:
        for account in queryset:
            self.message_user(request, f"{account.label}: {login.check_account(account)}")

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
