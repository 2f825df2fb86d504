"""Accounts: lockouts are per user and client address, read correctly behind the load balancer;
no self-service password reset (administrators reset passwords)."""

import runpy
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BALANCER = "10.0.0.2"
CLIENT_A = "203.0.113.10"
CLIENT_B = "203.0.113.20"
LOCKED = 429
SIGNED_IN = 302
WRONG = 200


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """These tests sign in (and fail to) dozens of times: a fast hasher, which still checks
    every password for real. The lockouts count attempts, whatever the hash costs."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def xavier(db) -> User:
    return User.objects.create_user(username="xavier", password=PASSWORD)


@pytest.fixture
def yasmin(db) -> User:
    return User.objects.create_user(username="yasmin", password=PASSWORD)


def trust_proxies(settings, monkeypatch, count: int) -> None:
    """Apply what settings.py makes of TRUSTED_PROXY_COUNT=count, read from the file itself."""
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", str(count))
    values = runpy.run_path(str(ROOT / "exclusions_tracker" / "settings.py"))
    for name in (
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
        "AXES_IPWARE_PROXY_COUNT",
        "AXES_IPWARE_PROXY_ORDER",
        "IPWARE_STRICT",
    ):
        setattr(settings, name, values[name])


def sign_in(
    username: str,
    password: str = PASSWORD,
    *,
    remote: str = BALANCER,
    forwarded: str | None = None,
) -> int:
    """One attempt from a fresh browser; the status says how it went (302 in, 200 wrong,
    429 locked)."""
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client().post(
        "/accounts/login/", {"username": username, "password": password}, **headers
    )
    return response.status_code


def fail_until_locked(username: str, **where: str) -> None:
    statuses = [sign_in(username, "wrong-password", **where) for _ in range(5)]
    assert statuses == [WRONG] * 4 + [LOCKED]


# Without a proxy (TRUSTED_PROXY_COUNT=0, the default): REMOTE_ADDR is the client.


def test_five_wrong_passwords_lock_that_user_from_that_address_only(xavier, yasmin):
    fail_until_locked("xavier", remote=CLIENT_A)

    assert sign_in("xavier", remote=CLIENT_A) == LOCKED
    assert sign_in("xavier", remote=CLIENT_B) == SIGNED_IN
    assert sign_in("yasmin", remote=CLIENT_A) == SIGNED_IN


def test_without_a_proxy_a_forwarded_header_is_ignored(xavier):
    fail_until_locked("xavier", remote=CLIENT_A)

    assert sign_in("xavier", remote=CLIENT_A, forwarded=CLIENT_B) == LOCKED
    # Nor can a stranger aim their failures at someone else's address with the header.
    fail_until_locked("xavier", remote="198.51.100.66", forwarded=CLIENT_B)
    assert sign_in("xavier", remote=CLIENT_B) == SIGNED_IN


def test_the_production_settings_lock_per_user_and_address_together(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5


# Behind one load balancer (TRUSTED_PROXY_COUNT=1): every request comes from the balancer,
# which appends the address it was reached from to X-Forwarded-For.


def test_behind_the_balancer_two_clients_are_told_apart(settings, monkeypatch, xavier, yasmin):
    trust_proxies(settings, monkeypatch, 1)
    fail_until_locked("xavier", forwarded=CLIENT_A)

    assert sign_in("xavier", forwarded=CLIENT_A) == LOCKED
    assert sign_in("xavier", forwarded=CLIENT_B) == SIGNED_IN
    assert sign_in("yasmin", forwarded=CLIENT_A) == SIGNED_IN


def test_a_forged_forwarded_entry_does_not_escape_the_lockout(settings, monkeypatch, xavier):
    trust_proxies(settings, monkeypatch, 1)
    fail_until_locked("xavier", forwarded=CLIENT_A)

    # The client sends its own X-Forwarded-For; the balancer appends the real address.
    for forged in (CLIENT_B, f"198.51.100.1, {CLIENT_B}", "unknown", "::1"):
        assert sign_in("xavier", forwarded=f"{forged}, {CLIENT_A}") == LOCKED, forged


def test_a_stranger_cannot_lock_a_user_out_by_naming_their_address(settings, monkeypatch, xavier):
    trust_proxies(settings, monkeypatch, 1)
    # The stranger's failures, whatever they claim, count against the stranger's own address.
    fail_until_locked("xavier", forwarded=f"{CLIENT_B}, 198.51.100.66")
    # Even a header the balancer's addition cannot be read from (an unclosed quote swallows
    # the rest) does not land on anyone's real address.
    for _ in range(5):
        sign_in("xavier", "wrong-password", forwarded=f'"{CLIENT_B}, 198.51.100.66')

    assert sign_in("xavier", forwarded=CLIENT_B) == SIGNED_IN


def test_behind_a_cdn_and_a_balancer_the_second_entry_from_the_right_is_the_client(
    settings, monkeypatch, xavier
):
    trust_proxies(settings, monkeypatch, 2)
    cdn = "192.0.2.50"
    fail_until_locked("xavier", forwarded=f"{CLIENT_A}, {cdn}")

    assert sign_in("xavier", forwarded=f"{CLIENT_A}, {cdn}") == LOCKED
    assert sign_in("xavier", forwarded=f"{CLIENT_B}, {CLIENT_A}, {cdn}") == LOCKED
    assert sign_in("xavier", forwarded=f"{CLIENT_B}, {cdn}") == SIGNED_IN


def test_behind_a_tls_proxy_the_proxy_count_must_be_stated(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("BEHIND_TLS_PROXY", "true")
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    with pytest.raises(ImproperlyConfigured, match="set TRUSTED_PROXY_COUNT"):
        runpy.run_path(str(ROOT / "exclusions_tracker" / "settings.py"))

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    values = runpy.run_path(str(ROOT / "exclusions_tracker" / "settings.py"))
    assert values["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("HTTP_X_FORWARDED_FOR",)
    assert values["AXES_IPWARE_PROXY_COUNT"] == 0


def test_a_negative_proxy_count_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT must be 0 or more"):
        runpy.run_path(str(ROOT / "exclusions_tracker" / "settings.py"))


def test_gunicorn_must_be_told_the_balancer_when_proxies_are_trusted(monkeypatch):
    config = str(ROOT / "gunicorn.conf.py")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8000")
    monkeypatch.delenv("GUNICORN_FORWARDED_ALLOW_IPS", raising=False)
    with pytest.raises(RuntimeError, match="GUNICORN_FORWARDED_ALLOW_IPS"):
        runpy.run_path(config)

    monkeypatch.setenv("GUNICORN_FORWARDED_ALLOW_IPS", BALANCER)
    assert runpy.run_path(config)["forwarded_allow_ips"] == BALANCER
    # On loopback (a proxy on the same machine) the default already names it.
    monkeypatch.delenv("GUNICORN_FORWARDED_ALLOW_IPS")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8000")
    assert runpy.run_path(config)["forwarded_allow_ips"] == "127.0.0.1"


# Password reset: not offered. Administrators create accounts and reset passwords.

RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/MQ/c2x1dC0xMjM0NTY3ODkw/",
    "/accounts/reset/done/",
]


@pytest.mark.parametrize("path", RESET_URLS)
def test_every_password_reset_url_is_not_found(client, member, path):
    member.email = "maya@example.org"
    member.save(update_fields=["email"])
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": member.email}).status_code == 404
    client.force_login(member)
    assert client.get(path).status_code == 404
    assert mail.outbox == []


def test_no_password_reset_route_exists_to_link_to():
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_signed_in_users_can_still_change_their_password(client, member):
    assert client.get("/accounts/password_change/").status_code == 302  # to sign in
    client.force_login(member)
    assert client.get("/accounts/password_change/").status_code == 200
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )
    assert response.status_code == 302 and response.url == "/accounts/password_change/done/"
    member.refresh_from_db()
    assert member.check_password("a-new-long-passphrase-42")
