"""Staff add accounts in the admin: phone login (with 2FA) and session import."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from platforms.models import PlatformAccount
from platforms.telegram.sandbox import (
    LOGIN_CODE,
    TWO_FA_PASSWORD,
    sandbox_phone,
    sandbox_session_string,
)

pytestmark = pytest.mark.django_db

LOGIN = "/admin/platforms/platformaccount/login/"


@pytest.fixture
def staff(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


def raw_row(account: PlatformAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM platforms_platformaccount WHERE id = %s", [account.pk])
        return " ".join(str(v) for v in cursor.fetchone())


def forged_session() -> str:
    """A well-formed StringSession whose auth key Telegram never issued."""
    session = StringSession()
    session.set_dc(2, "149.154.167.40", 443)
    session.auth_key = AuthKey(os.urandom(256))
    return session.save()


def works(account: PlatformAccount) -> str:
    from platforms.telegram.login import check_account

    return check_account(account)


def test_it_logs_in_an_account_with_the_code_telegram_sends(staff: Any) -> None:
    phone = sandbox_phone(101)
    response = staff.post(LOGIN, {"label": "tg-101", "phone": phone, "kind": "sandbox"})
    assert response.status_code == 302 and response.url.endswith("/login/code/")
    wrong = staff.post(LOGIN + "code/", {"code": "11111"})
    assert wrong.status_code == 200
    assert "The code is wrong" in wrong.content.decode()
    assert not PlatformAccount.objects.exists()
    done = staff.post(LOGIN + "code/", {"code": LOGIN_CODE})
    assert done.status_code == 302 and done.url.endswith("/platforms/platformaccount/")
    account = PlatformAccount.objects.get(label="tg-101")
    assert account.kind == "sandbox" and account.phone == phone and account.status == "active"
    session = account.get_session()
    assert session and session not in raw_row(account)
    assert works(account).startswith("ok: logged in as")
    # The half-done login is gone from the web session.
    assert "telegram_login" not in staff.session


def test_it_asks_for_the_two_step_password_when_the_account_has_one(staff: Any) -> None:
    phone = sandbox_phone(20_001)  # sandbox accounts 20000-29999 have 2FA
    staff.post(LOGIN, {"label": "tg-2fa", "phone": phone, "kind": "sandbox"})
    response = staff.post(LOGIN + "code/", {"code": LOGIN_CODE})
    assert response.status_code == 302 and response.url.endswith("/login/password/")
    # The pending login, kept in the web session, is encrypted: no auth key in clear.
    assert "telegram_login" in staff.session
    assert phone not in staff.session["telegram_login"]
    wrong = staff.post(LOGIN + "password/", {"password": "guess"})
    assert "The two-step password is wrong" in wrong.content.decode()
    done = staff.post(LOGIN + "password/", {"password": TWO_FA_PASSWORD})
    assert done.status_code == 302
    account = PlatformAccount.objects.get(label="tg-2fa")
    assert works(account).startswith("ok: logged in as")


def test_it_refuses_a_bad_phone_and_a_taken_label(staff: Any, sandbox_account: Any) -> None:
    bad = staff.post(LOGIN, {"label": "x", "phone": "12", "kind": "sandbox"})
    assert "country code" in bad.content.decode()
    taken = staff.post(
        LOGIN, {"label": sandbox_account.label, "phone": sandbox_phone(5), "kind": "sandbox"}
    )
    assert "exists already" in taken.content.decode()
    unknown = staff.post(LOGIN, {"label": "y", "phone": "+15550001111", "kind": "sandbox"})
    assert "not valid" in unknown.content.decode()


def test_it_imports_a_working_session_and_refuses_a_broken_one(staff: Any) -> None:
    url = "/admin/platforms/platformaccount/import/"
    good = staff.post(
        url, {"label": "imported", "kind": "sandbox", "session": sandbox_session_string(7)}
    )
    assert good.status_code == 302
    account = PlatformAccount.objects.get(label="imported")
    assert account.phone == sandbox_phone(7)
    assert account.get_session() == sandbox_session_string(7)
    garbage = staff.post(url, {"label": "junk", "kind": "sandbox", "session": "not a session"})
    assert "not a Telethon StringSession" in garbage.content.decode()
    refused = staff.post(url, {"label": "forged", "kind": "sandbox", "session": forged_session()})
    assert "Telegram refused this session" in refused.content.decode()
    assert not PlatformAccount.objects.filter(label__in=["junk", "forged"]).exists()


def test_it_never_shows_sessions_in_admin_pages(staff: Any, sandbox_account: Any) -> None:
    session = sandbox_account.get_session()
    for url in [
        "/admin/platforms/platformaccount/",
        f"/admin/platforms/platformaccount/{sandbox_account.pk}/change/",
    ]:
        body = staff.get(url).content.decode()
        assert session not in body and sandbox_account.session_encrypted not in body


def test_it_checks_health_and_records_a_dead_session(staff: Any, sandbox_account: Any) -> None:
    changelist = "/admin/platforms/platformaccount/"
    response = staff.post(
        changelist,
        {"action": "check_health", "_selected_action": [sandbox_account.pk]},
        follow=True,
    )
    assert "ok: logged in as" in response.content.decode()
    sandbox_account.set_session(forged_session())
    sandbox_account.save()
    staff.post(changelist, {"action": "check_health", "_selected_action": [sandbox_account.pk]})
    sandbox_account.refresh_from_db()
    assert sandbox_account.status == "unauthorized"
