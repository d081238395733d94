"""The pool of platform accounts the workers borrow."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import models
from django.utils import timezone

from platforms.crypto import SessionCipher


@cache
def cipher() -> SessionCipher:
    return SessionCipher(settings.SESSION_ENCRYPTION_KEYS)


class PlatformAccount(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        COOLING = "cooling"
        UNAUTHORIZED = "unauthorized"
        BANNED = "banned"
        DISABLED = "disabled"

    class Kind(models.TextChoices):
        # How the account reaches its platform: over the network, or the
        # in-process sandbox (a fake Telegram for tests and local runs).
        NETWORK = "telegram", "Telegram (network)"
        SANDBOX = "sandbox", "Sandbox (fake Telegram)"

    platform = models.CharField(max_length=32, default="telegram")
    label = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NETWORK)
    phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    cooldown_until = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The session, encrypted with Fernet (keys from Vault or the environment).
    session_encrypted = models.TextField(blank=True, editable=False)

    # The lease: who holds the account now, and until when unless renewed.
    lease_token = models.CharField(max_length=64, blank=True, editable=False)
    leased_by = models.CharField(max_length=200, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    requests_count = models.PositiveBigIntegerField(default=0)
    flood_waits_count = models.PositiveIntegerField(default=0)
    tasks_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "label"]
        indexes = [models.Index(fields=["platform", "status", "last_used_at"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.platform}, {self.status})"

    def set_session(self, session: str) -> None:
        self.session_encrypted = cipher().encrypt(session) if session else ""

    def get_session(self) -> str:
        return cipher().decrypt(self.session_encrypted) if self.session_encrypted else ""

    @property
    def has_session(self) -> bool:
        return bool(self.session_encrypted)

    @property
    def is_cooling(self) -> bool:
        return bool(self.cooldown_until and self.cooldown_until > timezone.now())


class AccountLease(models.Model):
    """Every period an account was held, for audit and to prove exclusivity."""

    account = models.ForeignKey(PlatformAccount, on_delete=models.CASCADE, related_name="leases")
    task = models.ForeignKey(
        "tasks_app.ParseTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    # Set when the lease ended with the account resting: nobody may hold it
    # again before this time.
    rest_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["account", "started_at"])]

    def __str__(self) -> str:
        return f"{self.account_id} held by {self.holder} from {self.started_at:%Y-%m-%d %H:%M:%S}"
