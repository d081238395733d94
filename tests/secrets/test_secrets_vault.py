"""parser_project.secrets against a real OpenBao dev server (see bao_server.py)."""

from __future__ import annotations

import logging
import time

import pytest
from bao_server import (
    ACCOUNT_SECRETS,
    KV_MOUNT,
    PARTIAL_PATH,
    POLICY,
    SECRET_PATH,
    SERVICE_SECRETS,
    Bao,
)

from parser_project.secrets import (
    SECRETS,
    MissingSecret,
    SecretSource,
    VaultClient,
    VaultConfig,
    VaultUnavailable,
    clear_cache,
    load_secrets,
    read_path,
)

# Env values that differ from Vault's, to prove which source won.
ENV_FALLBACKS = {
    "SECRET_KEY": "env-django-secret-key",
    "JWT_SIGNING_KEY": "env-jwt-signing-key",
    "SESSION_ENCRYPTION_KEYS": "env-key-1,env-key-2",
    "TELEGRAM_API_ID": "999",
    "TELEGRAM_API_HASH": "env-telegram-api-hash",
}


def _expected_from_vault(bao: Bao) -> dict[str, str]:
    expected = {name: SERVICE_SECRETS[spec.vault_key] for name, spec in SECRETS.items()}
    expected["SESSION_ENCRYPTION_KEYS"] = ",".join(bao.session_keys)
    return expected


def test_it_reads_every_secret_via_approle(bao: Bao) -> None:
    source = SecretSource(bao.approle_env(**ENV_FALLBACKS))

    for name, value in _expected_from_vault(bao).items():
        assert source.get(name, required=True) == value
        assert source.source_of(name) == "vault"
    assert source.get_list("SESSION_ENCRYPTION_KEYS") == list(bao.session_keys)
    assert source.vault is not None and source.vault.logins == 1
    assert source.vault_error is None


def test_it_reads_every_secret_via_vault_token(bao: Bao) -> None:
    source = SecretSource(bao.env(VAULT_TOKEN=bao.service_token, **ENV_FALLBACKS))

    for name, value in _expected_from_vault(bao).items():
        assert source.get(name, required=True) == value
        assert source.source_of(name) == "vault"
    assert source.vault is not None and source.vault.logins == 0  # no AppRole involved


def test_it_prefers_approle_over_a_static_token(bao: Bao) -> None:
    source = SecretSource(bao.approle_env(VAULT_TOKEN="not-a-valid-token"))

    assert source.get("SECRET_KEY") == SERVICE_SECRETS["secret_key"]
    assert source.vault is not None and source.vault.logins == 1


def test_it_falls_back_to_env_per_secret_when_a_key_is_missing_in_vault(bao: Bao) -> None:
    env = bao.approle_env(VAULT_SECRET_PATH=PARTIAL_PATH, **ENV_FALLBACKS)
    source = SecretSource(env)

    assert source.get("SECRET_KEY") == "partial-secret-key"
    assert source.source_of("SECRET_KEY") == "vault"
    for name in (
        "JWT_SIGNING_KEY",
        "SESSION_ENCRYPTION_KEYS",
        "TELEGRAM_API_ID",
        "TELEGRAM_API_HASH",
    ):
        assert source.get(name, required=True) == ENV_FALLBACKS[name]
        assert source.source_of(name) == "env"


def test_it_falls_back_to_env_when_the_vault_secret_does_not_exist(bao: Bao) -> None:
    source = SecretSource(
        bao.approle_env(VAULT_SECRET_PATH="parsing-service/nothing-here", **ENV_FALLBACKS)
    )

    assert source.get("SECRET_KEY") == ENV_FALLBACKS["SECRET_KEY"]
    assert source.source_of("SECRET_KEY") == "env"


def test_it_falls_back_to_env_quickly_when_vault_is_down(
    bao: Bao, closed_port_addr: str, caplog: pytest.LogCaptureFixture
) -> None:
    env = bao.approle_env(VAULT_ADDR=closed_port_addr, **ENV_FALLBACKS)
    caplog.set_level(logging.INFO, logger="parser_project.secrets")

    started = time.monotonic()
    source = SecretSource(env)
    values = {name: source.get(name, required=True) for name in SECRETS}
    elapsed = time.monotonic() - started

    assert values == ENV_FALLBACKS
    assert all(source.source_of(name) == "env" for name in SECRETS)
    assert elapsed < 3, f"a down Vault must not stall start-up ({elapsed:.1f}s)"
    assert source.vault_error and closed_port_addr in source.vault_error
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "Vault is tried once per process, not once per secret"
    assert "falling back to environment variables" in warnings[0].getMessage()


def test_it_times_out_quickly_when_vault_does_not_answer(silent_server_addr: str) -> None:
    env = {
        "VAULT_ADDR": silent_server_addr,
        "VAULT_TOKEN": "t",
        "VAULT_TIMEOUT": "0.5",
        "SECRET_KEY": "env-key",
    }
    started = time.monotonic()
    source = SecretSource(env)

    assert source.get("SECRET_KEY") == "env-key"
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 2, f"expected one 0.5 s timeout, took {elapsed:.2f}s"
    assert "Timeout" in (source.vault_error or "")


def test_it_uses_a_short_default_timeout() -> None:
    config = VaultConfig.from_environ({"VAULT_ADDR": "http://vault:8200/"})

    assert config is not None
    assert config.timeout == 3.0
    assert (config.addr, config.kv_mount, config.secret_path) == (
        "http://vault:8200",
        "secret",
        "parsing-service",
    )


def test_it_falls_back_to_env_when_vault_denies_access(bao: Bao) -> None:
    # Wrong credentials are a deployment error, but the service can still start from env.
    source = SecretSource(bao.env(VAULT_TOKEN="invalid-token", **ENV_FALLBACKS))

    assert source.get("SECRET_KEY") == ENV_FALLBACKS["SECRET_KEY"]
    assert source.source_of("SECRET_KEY") == "env"
    assert "Forbidden" in (source.vault_error or "")


def test_it_does_not_log_in_again_when_the_policy_denies_a_path(bao: Bao) -> None:
    # A 403 with a brand-new token means "no policy", not "expired": no pointless re-login.
    source = SecretSource(bao.approle_env(VAULT_SECRET_PATH="other-service", **ENV_FALLBACKS))

    assert source.get("SECRET_KEY") == ENV_FALLBACKS["SECRET_KEY"]
    assert "Forbidden" in (source.vault_error or "")
    assert source.vault is not None and source.vault.logins == 1


def test_it_uses_only_the_environment_without_vault_addr() -> None:
    source = SecretSource(dict(ENV_FALLBACKS))

    assert source.vault is None
    for name, value in ENV_FALLBACKS.items():
        assert source.get(name) == value
        assert source.source_of(name) == "env"
    assert source.read_path("accounts/alice") is None


def test_it_uses_the_callers_default_last() -> None:
    source = SecretSource({})

    assert source.get("JWT_SIGNING_KEY") is None
    assert source.source_of("JWT_SIGNING_KEY") == "missing"
    assert source.get("JWT_SIGNING_KEY", default="dev-only") == "dev-only"
    assert source.source_of("JWT_SIGNING_KEY") == "default"


def test_it_raises_missing_secret_naming_it(bao: Bao) -> None:
    env = bao.approle_env(VAULT_SECRET_PATH=PARTIAL_PATH)  # has no jwt_signing_key, env empty
    source = SecretSource(env)

    with pytest.raises(MissingSecret) as excinfo:
        source.get("JWT_SIGNING_KEY", required=True)

    message = str(excinfo.value)
    assert excinfo.value.name == "JWT_SIGNING_KEY"
    assert message.startswith("JWT_SIGNING_KEY is not set")
    assert f"{KV_MOUNT}/{PARTIAL_PATH} (key jwt_signing_key)" in message
    assert "(JWT_SIGNING_KEY)" in message


def test_it_raises_missing_secret_without_vault_and_mentions_why(closed_port_addr: str) -> None:
    with pytest.raises(MissingSecret, match=r"^SECRET_KEY is not set: put it in Vault"):
        SecretSource({}).get("SECRET_KEY", required=True)

    down = SecretSource({"VAULT_ADDR": closed_port_addr, "VAULT_TOKEN": "t"})
    with pytest.raises(MissingSecret) as excinfo:
        down.get("TELEGRAM_API_HASH", required=True)
    assert "could not be read" in str(excinfo.value)  # the operator learns Vault was down
    assert "key telegram_api_hash" in str(excinfo.value)


def test_it_logs_the_source_but_never_the_value(bao: Bao, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    source = SecretSource(bao.approle_env(VAULT_SECRET_PATH=PARTIAL_PATH, **ENV_FALLBACKS))
    for name in SECRETS:
        source.get(name)
    source.read_path("accounts/alice")

    text = caplog.text
    assert "Secret SECRET_KEY comes from Vault" in text
    assert "Secret JWT_SIGNING_KEY comes from environment variable JWT_SIGNING_KEY" in text
    leaked = [
        "partial-secret-key",
        bao.secret_id,
        *ENV_FALLBACKS.values(),
        str(ACCOUNT_SECRETS["api_hash"]),
    ]
    assert not [value for value in leaked if value in text]
    for secret in (bao.secret_id, bao.role_id):
        assert secret not in repr(source.vault_config)
        assert secret not in repr(source.vault)


def test_it_reads_per_account_credentials(bao: Bao) -> None:
    source = SecretSource(bao.approle_env())

    assert source.read_path("accounts/alice") == {
        "api_id": str(ACCOUNT_SECRETS["api_id"]),  # JSON number -> text, like env values
        "api_hash": ACCOUNT_SECRETS["api_hash"],
    }
    assert source.read_path("accounts/nobody") is None
    with pytest.raises(ValueError, match="invalid secret sub-path"):
        source.read_path("accounts/../../other-service")


def test_it_reports_an_unreadable_account_path_only_when_strict(closed_port_addr: str) -> None:
    source = SecretSource({"VAULT_ADDR": closed_port_addr, "VAULT_TOKEN": "t"})

    assert source.read_path("accounts/alice") is None
    with pytest.raises(VaultUnavailable):
        source.read_path("accounts/alice", strict=True)


def test_it_caches_the_process_wide_source(bao: Bao, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in bao.approle_env().items():
        monkeypatch.setenv(key, value)

    first = load_secrets()
    assert first is load_secrets()
    assert read_path("accounts/alice") == first.read_path("accounts/alice")
    assert first.get("SECRET_KEY") == SERVICE_SECRETS["secret_key"]
    assert first.vault is not None
    logins = first.vault.logins

    # Cached: even with Vault's tokens revoked, nothing is read (or logged in) again.
    bao.root().sys.revoke_prefix("auth/approle/login")
    assert first.get("SECRET_KEY") == SERVICE_SECRETS["secret_key"]
    assert first.read_path("accounts/alice") is not None
    assert first.vault.logins == logins

    clear_cache()
    assert load_secrets() is not first


def test_it_renews_the_token_near_its_ttl_and_logs_in_at_its_max_ttl(bao: Bao) -> None:
    # Role "parsing-short": token_ttl=3s, token_max_ttl=5s.
    client = VaultClient(
        _config(bao.env(VAULT_ROLE_ID=bao.short_role_id, VAULT_SECRET_ID=bao.short_secret_id))
    )

    assert client.read(SECRET_PATH) is not None
    time.sleep(2.3)  # less than a third of the TTL left, still valid: renew-self
    assert client.read(SECRET_PATH) is not None
    assert (client.logins, client.renewals) == (1, 1)

    time.sleep(3.0)  # past the 5 s max TTL: no renewal can save this token, log in again
    assert client.read(SECRET_PATH) is not None
    assert client.logins == 2


def test_it_logs_in_again_after_the_token_expired(bao: Bao) -> None:
    client = VaultClient(
        _config(bao.env(VAULT_ROLE_ID=bao.short_role_id, VAULT_SECRET_ID=bao.short_secret_id))
    )

    assert client.read(SECRET_PATH) is not None
    time.sleep(3.5)  # past the 3 s TTL: the old token is gone
    assert client.read(SECRET_PATH) is not None

    assert client.logins == 2


def test_it_logs_in_again_when_vault_answers_403(bao: Bao) -> None:
    # A revoked token looks valid locally (long TTL): only Vault's 403 reveals it.
    client = VaultClient(_config(bao.approle_env()))
    assert client.read(SECRET_PATH) is not None

    bao.root().sys.revoke_prefix("auth/approle/login")
    assert client.read(f"{SECRET_PATH}/accounts/alice") is not None

    assert client.logins == 2


def test_it_raises_vault_unavailable_for_a_revoked_static_token(bao: Bao) -> None:
    token = bao.root().auth.token.create(policies=[POLICY], ttl="1m")["auth"]["client_token"]
    client = VaultClient(_config(bao.env(VAULT_TOKEN=token)))
    assert client.read(SECRET_PATH) is not None

    bao.root().auth.token.revoke(token)
    with pytest.raises(VaultUnavailable, match="Forbidden") as excinfo:
        client.read(SECRET_PATH)
    assert token not in str(excinfo.value)


def _config(env: dict[str, str]) -> VaultConfig:
    config = VaultConfig.from_environ(env)
    assert config is not None
    return config


def test_it_renews_a_renewable_static_token(bao: Bao) -> None:
    token = bao.root().auth.token.create(policies=[POLICY], ttl="3s")["auth"]["client_token"]
    client = VaultClient(_config(bao.env(VAULT_TOKEN=token)))

    assert client.read(SECRET_PATH) is not None
    time.sleep(2.3)  # TTL 3 s: renew-self keeps the only token we have alive
    assert client.read(SECRET_PATH) is not None

    assert (client.logins, client.renewals) == (0, 1)


def test_it_treats_a_deleted_secret_version_as_absent(bao: Bao) -> None:
    kv = bao.root().secrets.kv.v2
    kv.create_or_update_secret(
        f"{SECRET_PATH}/accounts/bob", secret={"api_hash": "h"}, mount_point=KV_MOUNT
    )
    kv.delete_latest_version_of_secret(f"{SECRET_PATH}/accounts/bob", mount_point=KV_MOUNT)

    assert SecretSource(bao.approle_env()).read_path("accounts/bob") is None
