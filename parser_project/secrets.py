"""Secrets from Vault/OpenBao (KV v2, via hvac) with a per-secret environment fallback.

This module deliberately imports nothing from Django: ``settings.py`` imports it, and the
predecessor's Vault client imported ``django.conf.settings`` back, which made start-up order
depend on a circular import. Everything here is configured from a plain mapping
(``os.environ`` by default) so it can run before Django exists.

Configuration (environment variables):

==========================  ===================================================================
``VAULT_ADDR``              Vault/OpenBao URL. Unset or empty: Vault is not used at all.
``VAULT_ROLE_ID``           AppRole role_id   } preferred: the client can re-login by itself
``VAULT_SECRET_ID``         AppRole secret_id } when its token expires.
``VAULT_TOKEN``             Static token, used when no AppRole credentials are given.
``VAULT_KV_MOUNT``          KV v2 mount point (default ``secret``).
``VAULT_SECRET_PATH``       Path of the service's secret inside the mount
                            (default ``parsing-service``).
``VAULT_APPROLE_MOUNT``     AppRole auth mount (default ``approle``).
``VAULT_TIMEOUT``           Seconds per HTTP request to Vault (default 3).
``VAULT_CACERT``            CA bundle used to verify Vault's TLS certificate (optional).
``VAULT_NAMESPACE``         Namespace (optional).
==========================  ===================================================================

Logical secrets (:data:`SECRETS`): key inside the Vault secret -> environment fallback:

=============================  ===========================  ===========================
logical name                   key in Vault secret          environment variable
=============================  ===========================  ===========================
``SECRET_KEY``                 ``secret_key``               ``SECRET_KEY``
``JWT_SIGNING_KEY``            ``jwt_signing_key``          ``JWT_SIGNING_KEY``
``SESSION_ENCRYPTION_KEYS``    ``session_encryption_keys``  ``SESSION_ENCRYPTION_KEYS``
``TELEGRAM_API_ID``            ``telegram_api_id``          ``TELEGRAM_API_ID``
``TELEGRAM_API_HASH``          ``telegram_api_hash``        ``TELEGRAM_API_HASH``
=============================  ===========================  ===========================

``SESSION_ENCRYPTION_KEYS`` is a comma-separated list of Fernet keys: the first one encrypts,
the others only decrypt (key rotation). Per-account Telegram credentials live below the
service path, e.g. ``secret/parsing-service/accounts/<label>`` with keys ``api_id`` and
``api_hash``; read them with :func:`read_path` (``read_path("accounts/<label>")``).

Resolution order per secret: Vault key (if Vault is configured and readable) -> environment
variable -> ``default`` given by the caller. Vault being down only costs one short timeout per
process: the failure is remembered and every secret then falls back to the environment.
Which source each secret came from is logged; values never are.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import hvac
import hvac.exceptions
import requests

logger = logging.getLogger(__name__)

Source = Literal["vault", "env", "default", "missing"]
_T = TypeVar("_T")

DEFAULT_KV_MOUNT = "secret"
DEFAULT_SECRET_PATH = "parsing-service"
DEFAULT_APPROLE_MOUNT = "approle"
# Short on purpose: settings.py reads secrets at import time, and a Vault that does not
# answer must not hang start-up of every web/worker process.
DEFAULT_TIMEOUT_SECONDS = 3.0
# Renew (or re-login) when less than this share of the token's TTL is left, capped so that
# long-lived tokens are refreshed a minute before they expire, not hours before.
_REFRESH_SHARE = 1 / 3
_REFRESH_MAX_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class SecretSpec:
    """Where one logical secret lives: a key of the service's Vault secret, or an env var."""

    vault_key: str
    env_var: str


SECRETS: dict[str, SecretSpec] = {
    "SECRET_KEY": SecretSpec("secret_key", "SECRET_KEY"),
    "JWT_SIGNING_KEY": SecretSpec("jwt_signing_key", "JWT_SIGNING_KEY"),
    "SESSION_ENCRYPTION_KEYS": SecretSpec("session_encryption_keys", "SESSION_ENCRYPTION_KEYS"),
    "TELEGRAM_API_ID": SecretSpec("telegram_api_id", "TELEGRAM_API_ID"),
    "TELEGRAM_API_HASH": SecretSpec("telegram_api_hash", "TELEGRAM_API_HASH"),
}


def spec_for(name: str) -> SecretSpec:
    """The spec of a logical name; unknown names map to (``name.lower()``, ``name``)."""
    return SECRETS.get(name) or SecretSpec(name.lower(), name)


class MissingSecret(RuntimeError):
    """A required secret is neither in Vault nor in the environment.

    ``settings.py`` raises it too, with its own message, hence the optional ``name``.
    """

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class VaultUnavailable(RuntimeError):
    """Vault is configured but could not be read (down, denied, misconfigured).

    The message names the address, path and error class, never a token or secret value.
    """


# --- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultConfig:
    """Vault connection settings, parsed from an environment mapping."""

    addr: str
    kv_mount: str = DEFAULT_KV_MOUNT
    secret_path: str = DEFAULT_SECRET_PATH
    approle_mount: str = DEFAULT_APPROLE_MOUNT
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    cacert: str | None = None
    namespace: str | None = None
    # repr=False: the config ends up in tracebacks and debug logs; credentials must not.
    role_id: str | None = field(default=None, repr=False)
    secret_id: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> VaultConfig | None:
        """``None`` when ``VAULT_ADDR`` is unset or empty (Vault not used)."""
        addr = (environ.get("VAULT_ADDR") or "").strip()
        if not addr:
            return None
        timeout_raw = (environ.get("VAULT_TIMEOUT") or "").strip()
        try:
            timeout = float(timeout_raw) if timeout_raw else DEFAULT_TIMEOUT_SECONDS
        except ValueError:
            logger.warning(
                "VAULT_TIMEOUT=%r is not a number; using %ss", timeout_raw, DEFAULT_TIMEOUT_SECONDS
            )
            timeout = DEFAULT_TIMEOUT_SECONDS
        return cls(
            addr=addr.rstrip("/"),
            kv_mount=_clean_path(environ.get("VAULT_KV_MOUNT")) or DEFAULT_KV_MOUNT,
            secret_path=_clean_path(environ.get("VAULT_SECRET_PATH")) or DEFAULT_SECRET_PATH,
            approle_mount=_clean_path(environ.get("VAULT_APPROLE_MOUNT")) or DEFAULT_APPROLE_MOUNT,
            timeout=timeout,
            cacert=(environ.get("VAULT_CACERT") or "").strip() or None,
            namespace=(environ.get("VAULT_NAMESPACE") or "").strip() or None,
            role_id=(environ.get("VAULT_ROLE_ID") or "").strip() or None,
            secret_id=(environ.get("VAULT_SECRET_ID") or "").strip() or None,
            token=(environ.get("VAULT_TOKEN") or "").strip() or None,
        )

    @property
    def uses_approle(self) -> bool:
        return bool(self.role_id and self.secret_id)

    @property
    def location(self) -> str:
        """Human-readable place of the service secret, for logs and error messages."""
        return f"{self.kv_mount}/{self.secret_path}"


def _clean_path(value: str | None) -> str:
    return (value or "").strip().strip("/")


def _check_subpath(subpath: str) -> str:
    """Reject paths that could escape the service's tree (labels may come from users)."""
    cleaned = _clean_path(subpath)
    parts = cleaned.split("/")
    if not cleaned or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"invalid secret sub-path: {subpath!r}")
    return cleaned


# --- Vault client -----------------------------------------------------------------------------


class VaultClient:
    """A thin hvac wrapper that keeps its token alive.

    * AppRole: logs in lazily; renews the token (``renew-self``) when its TTL is near its end,
      and logs in again when it is not renewable, renewal fails, or a read is answered with
      403 (expired/revoked token) - once per read, then the error is raised.
    * Static ``VAULT_TOKEN``: renewed when renewable; there is nothing to re-login with, so
      a 403 is raised as :class:`VaultUnavailable`.

    Thread-safe: settings are read once, but per-account reads happen in worker threads.
    """

    def __init__(self, config: VaultConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        verify: bool | str = config.cacert or True
        # token="" (not None): hvac would otherwise pick up VAULT_TOKEN / ~/.vault-token from
        # the real process environment, bypassing the mapping this client was built from.
        self._client = hvac.Client(
            url=config.addr,
            token=config.token or "",
            timeout=config.timeout,  # seconds; requests accepts a float
            verify=verify,
            namespace=config.namespace,
        )
        self._authenticated = False
        self._expires_at: float | None = None  # monotonic deadline; None = never expires
        self._period = 0.0  # full TTL of the current token, for the refresh margin
        self._renewable = False
        self.logins = 0  # AppRole logins performed (observable for tests and metrics)
        self.renewals = 0

    def __repr__(self) -> str:
        method = "approle" if self.config.uses_approle else "token"
        return f"<VaultClient {self.config.addr} auth={method}>"

    # public API

    def read(self, path: str) -> dict[str, Any] | None:
        """The data of the KV v2 secret at ``path`` (inside the mount), ``None`` if absent.

        Raises :class:`VaultUnavailable` for anything else (network, auth, server errors).
        """
        with self._lock:
            try:
                return self._with_auth(lambda: self._read_once(path))
            except VaultUnavailable:
                raise
            except (hvac.exceptions.VaultError, requests.RequestException) as exc:
                raise VaultUnavailable(self._describe(exc, path)) from None

    # auth

    def _with_auth(self, call: Callable[[], _T]) -> _T:
        just_logged_in = self._ensure_token()
        try:
            return call()
        except hvac.exceptions.Forbidden:
            # Vault answers 403 "permission denied" both for a missing policy and for an
            # expired/revoked token; only a fresh login can tell them apart, so try once
            # (pointless when the token is brand new: then it is the policy).
            if not self.config.uses_approle or just_logged_in:
                raise
            logger.info(
                "Vault denied a read with the current token; logging in again via "
                "AppRole and retrying once"
            )
            self._login()
            return call()

    def _ensure_token(self) -> bool:
        """Make the token usable for the next request; True if a new one was obtained."""
        if not self._authenticated:
            if self.config.uses_approle:
                self._login()
                return True
            self._adopt_static_token()
            return False
        if self._expires_at is None:
            return False
        remaining = self._expires_at - time.monotonic()
        margin = min(_REFRESH_MAX_MARGIN_SECONDS, self._period * _REFRESH_SHARE)
        if remaining > margin:
            return False
        # Tried even when the local estimate says "expired": Vault reports TTLs in whole
        # seconds, so the token may still have a moment left; a refusal costs one request.
        if self._renewable and self._try_renew(margin):
            return False
        if self.config.uses_approle:
            logger.info("Vault token is about to expire; logging in again via AppRole")
            self._login()
            return True
        # A static token that cannot be renewed is used until Vault refuses it; the 403 is
        # then reported, since there are no credentials to obtain a new one.
        return False

    def _login(self) -> None:
        if not self.config.uses_approle:
            raise VaultUnavailable(
                f"Vault at {self.config.addr}: no AppRole credentials to log in with"
            )
        response = self._client.auth.approle.login(
            role_id=self.config.role_id,
            secret_id=self.config.secret_id,
            mount_point=self.config.approle_mount,
        )  # use_token=True (default) stores the new token on the client
        auth = response["auth"]
        lease = float(auth.get("lease_duration") or 0)
        self._set_lease(lease, bool(auth.get("renewable")), period=lease)
        self._authenticated = True
        self.logins += 1
        logger.info(
            "Logged in to Vault at %s via AppRole (token TTL %ss)",
            self.config.addr,
            int(self._period),
        )

    def _adopt_static_token(self) -> None:
        if not self.config.token:
            raise VaultUnavailable(
                f"Vault at {self.config.addr}: neither VAULT_ROLE_ID + "
                "VAULT_SECRET_ID nor VAULT_TOKEN is set"
            )
        # lookup-self (allowed by Vault's default policy) tells whether and when the token
        # expires, so that it can be renewed in time. A token created without the default
        # policy may not call it; it is then used as is and a dead token shows up as a 403
        # on the read itself.
        try:
            data = self._client.auth.token.lookup_self()["data"]
        except hvac.exceptions.Forbidden:
            logger.info("Cannot look up the Vault token (403); its expiry is not tracked")
            data = {}
        # "ttl" is what is left (rounded down), "creation_ttl" the full period; the refresh
        # margin is a share of the period, else a token looked up late would never renew.
        ttl = float(data.get("ttl") or 0)
        period = float(data.get("creation_ttl") or 0) or ttl
        self._set_lease(ttl, bool(data.get("renewable")), period=period)
        self._authenticated = True

    def _try_renew(self, margin: float) -> bool:
        try:
            response = self._client.auth.token.renew_self()
        except (hvac.exceptions.VaultError, requests.RequestException) as exc:
            logger.info("Renewing the Vault token failed (%s)", type(exc).__name__)
            return False
        auth = response.get("auth") or {}
        lease = float(auth.get("lease_duration") or 0)
        self.renewals += 1
        renewable = bool(auth.get("renewable", self._renewable))
        # Renewal is capped by the token's max TTL; once the cap is near, renewing again
        # would only buy seconds per request, so stop renewing and report failure: the
        # caller logs in afresh (AppRole) or uses the token until it ends (static token).
        # Only tokens with an expiry get here, so a lease of 0 means "nothing left", not
        # "never expires" as it does at login.
        if lease <= margin:
            self._expires_at = time.monotonic() + lease
            self._renewable = False
            logger.info("The Vault token reached its max TTL (%ss left)", int(lease))
            return False
        self._set_lease(lease, renewable, period=self._period)
        logger.info("Renewed the Vault token (TTL %ss)", int(lease))
        return True

    def _set_lease(self, lease: float, renewable: bool, *, period: float) -> None:
        """Record the token's remaining ``lease`` and its full TTL ``period`` (seconds)."""
        # lease 0 = the token never expires (e.g. a root token).
        self._expires_at = time.monotonic() + lease if lease > 0 else None
        self._period = period if period > 0 else lease
        self._renewable = renewable

    # reads

    def _read_once(self, path: str) -> dict[str, Any] | None:
        try:
            response = self._client.secrets.kv.v2.read_secret_version(
                path=path,
                mount_point=self.config.kv_mount,
                # A deleted latest version is "absent" for us; True keeps hvac's current
                # behaviour (404 -> InvalidPath) and silences its deprecation warning.
                raise_on_deleted_version=True,
            )
        except hvac.exceptions.InvalidPath:
            return None
        data = (response.get("data") or {}).get("data")
        return dict(data) if isinstance(data, Mapping) else None

    def _describe(self, exc: BaseException, path: str) -> str:
        # The class name and the first line of hvac's message ("permission denied, on get
        # URL") are enough to act on; a requests error string has host and port only.
        text = str(exc)
        detail = text.splitlines()[0][:300] if text else ""
        where = f"{self.config.kv_mount}/{path}"
        return (
            f"Vault at {self.config.addr} could not be read ({where}): "
            f"{type(exc).__name__}: {detail}"
        )


# --- secret source -----------------------------------------------------------------------------


class SecretSource:
    """Resolves secrets from the service's Vault secret with a per-secret env fallback.

    The Vault secret is read once, on first use, and kept for the lifetime of the object;
    :func:`load_secrets` keeps one object per process.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        # Snapshot: later changes to os.environ must not make resolved values inconsistent.
        self._environ: dict[str, str] = dict(os.environ if environ is None else environ)
        self.vault_config = VaultConfig.from_environ(self._environ)
        self._vault = VaultClient(self.vault_config) if self.vault_config else None
        self._lock = threading.RLock()
        self._vault_data: dict[str, Any] | None = None
        self._vault_error: str | None = None
        self._resolved: dict[str, tuple[str, Source]] = {}
        self._defaulted: set[str] = set()
        self._paths: dict[str, dict[str, str]] = {}

    def __repr__(self) -> str:
        where = self.vault_config.addr if self.vault_config else "no vault"
        return f"<SecretSource {where}>"

    @property
    def vault(self) -> VaultClient | None:
        return self._vault

    @property
    def vault_error(self) -> str | None:
        """Why Vault could not be read (``None`` if it was read or is not configured)."""
        self._load_vault()
        return self._vault_error

    def get(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        """The value of a logical secret (see :data:`SECRETS`); empty values count as unset.

        ``required=True`` raises :class:`MissingSecret` naming the secret, its Vault key and
        its environment variable when neither source has it (``default`` is not used then).
        """
        value, source = self._resolve(name)
        if source != "missing":
            return value
        if required:
            raise MissingSecret(self.missing_message(name), name=name)
        if default is not None and name not in self._defaulted:
            # The default belongs to this call (callers may pass different ones), so only
            # the fact that it was used is remembered, for source_of() and a single log line.
            self._defaulted.add(name)
            logger.info("Secret %s comes from the built-in default", name)
        return default

    def get_list(self, name: str, *, required: bool = False) -> list[str]:
        """A comma-separated secret (e.g. ``SESSION_ENCRYPTION_KEYS``) as a list, order kept."""
        value = self.get(name, required=required) or ""
        return [item.strip() for item in value.split(",") if item.strip()]

    def source_of(self, name: str) -> Source:
        """Where ``name`` came from: ``vault``, ``env``, ``default`` or ``missing``."""
        source = self._resolve(name)[1]
        return "default" if source == "missing" and name in self._defaulted else source

    def missing_message(self, name: str) -> str:
        spec = spec_for(name)
        if self.vault_config:
            where = f"in Vault at {self.vault_config.location} (key {spec.vault_key})"
        else:
            where = (
                f"in Vault (VAULT_ADDR is unset; key {spec.vault_key} of "
                f"{DEFAULT_KV_MOUNT}/{DEFAULT_SECRET_PATH})"
            )
        message = f"{name} is not set: put it {where} or in the environment ({spec.env_var})"
        if self._vault_error:
            message += f"; note: {self._vault_error}"
        return message

    def read_path(self, subpath: str, *, strict: bool = False) -> dict[str, str] | None:
        """Read ``<VAULT_SECRET_PATH>/<subpath>``, e.g. ``read_path("accounts/alice")``.

        Returns the secret's data (values as strings), or ``None`` when Vault is not
        configured, the secret does not exist, or Vault cannot be read (logged as a
        warning). With ``strict=True`` an unreadable Vault raises :class:`VaultUnavailable`
        instead, for callers that must not silently fall back to other credentials.
        Found secrets are cached; misses are not, so secrets added later are picked up.
        """
        relative = _check_subpath(subpath)  # validated even without Vault: fail early in dev
        if self._vault is None or self.vault_config is None:
            return None
        path = f"{self.vault_config.secret_path}/{relative}"
        with self._lock:
            if path in self._paths:
                return dict(self._paths[path])
            try:
                data = self._vault.read(path)
            except VaultUnavailable as exc:
                if strict:
                    raise
                logger.warning("%s; treating %s as absent", exc, path)
                return None
            if data is None:
                logger.info("No Vault secret at %s/%s", self._vault.config.kv_mount, path)
                return None
            result = {key: _as_text(value) for key, value in data.items()}
            self._paths[path] = result
            logger.info(
                "Read Vault secret %s/%s (keys: %s)",
                self._vault.config.kv_mount,
                path,
                ", ".join(sorted(result)),
            )
            return dict(result)

    # internals

    def _load_vault(self) -> dict[str, Any]:
        with self._lock:
            if self._vault_data is not None:
                return self._vault_data
            self._vault_data = {}
            if self._vault is None or self.vault_config is None:
                logger.info("VAULT_ADDR is not set: secrets come from the environment")
                return self._vault_data
            try:
                data = self._vault.read(self.vault_config.secret_path)
            except VaultUnavailable as exc:
                # Remembered (not retried per secret) so a down Vault costs one timeout.
                self._vault_error = str(exc)
                logger.warning("%s; falling back to environment variables", exc)
                return self._vault_data
            if data is None:
                logger.warning(
                    "No Vault secret at %s; falling back to environment variables",
                    self.vault_config.location,
                )
            else:
                self._vault_data = data
            return self._vault_data

    def _resolve(self, name: str) -> tuple[str | None, Source]:
        with self._lock:
            if name in self._resolved:
                return self._resolved[name]
            spec = spec_for(name)
            vault_value = _as_text(self._load_vault().get(spec.vault_key))
            if vault_value:
                return self._remember(name, vault_value, "vault")
            env_value = self._environ.get(spec.env_var, "").strip()
            if env_value:
                return self._remember(name, env_value, "env")
            return None, "missing"

    def _remember(self, name: str, value: str, source: Source) -> tuple[str, Source]:
        self._resolved[name] = (value, source)
        spec = spec_for(name)
        if source == "vault" and self.vault_config:
            origin = f"Vault {self.vault_config.location} (key {spec.vault_key})"
        else:
            origin = f"environment variable {spec.env_var}"
        logger.info("Secret %s comes from %s", name, origin)
        return value, source


def _as_text(value: Any) -> str:
    # KV values written as JSON numbers (api_id: 12345) must still compare as text.
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


# --- process-wide cache -----------------------------------------------------------------------

_process_source: SecretSource | None = None
_process_lock = threading.Lock()


def load_secrets(environ: Mapping[str, str] | None = None) -> SecretSource:
    """The process-wide :class:`SecretSource` built from ``os.environ``.

    With an explicit ``environ`` a new, uncached source is returned (tests, tools).
    """
    global _process_source
    if environ is not None:
        return SecretSource(environ)
    with _process_lock:
        if _process_source is None:
            _process_source = SecretSource()
        return _process_source


def read_path(subpath: str, *, strict: bool = False) -> dict[str, str] | None:
    """``load_secrets().read_path(subpath)``: e.g. ``read_path("accounts/<label>")``."""
    return load_secrets().read_path(subpath, strict=strict)


def clear_cache() -> None:
    """Forget the process-wide source and everything it read (tests, key rotation)."""
    global _process_source
    with _process_lock:
        _process_source = None
