from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.utils.functional import empty

from recommendations.demo import demo_files, load_review_document, read_document
from recommendations.roles import CLERKS, COMMISSION_MEMBERS, SCRUTINY_OFFICERS

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct-horse-battery-staple"


def pytest_report_header(config) -> str:
    label = os.environ.get("TEST_DATABASE_LABEL")
    return f"database: {label or connection.vendor}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_static_storage() -> None:
    """Each test starts with the static files storage as Django builds it (reading the
    collected manifest), as a settings change would: one that patched the process-wide
    instance cannot leak into the tests after it on the same worker."""
    storages._storages.pop("staticfiles", None)
    staticfiles_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Ids restart when a test's transaction rolls back, so a cache key built from them could
    # otherwise meet an entry left by an earlier test.
    cache.clear()


@functools.cache
def _password_hash(hashers: tuple[str, ...]) -> str:
    """PASSWORD hashed by the first of ``hashers`` (production's PBKDF2 unless a test changes
    PASSWORD_HASHERS), once per process: hashing costs ~0.4 s, and half the tests make a user.
    Signing in with it still checks the password for real."""
    return make_password(PASSWORD)


def _user(username: str, group: str | None) -> User:
    user = User.objects.create(
        username=username, password=_password_hash(tuple(django_settings.PASSWORD_HASHERS))
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def officer(db) -> User:
    return _user("olivia-officer", SCRUTINY_OFFICERS)


@pytest.fixture
def member(db) -> User:
    return _user("maya-member", COMMISSION_MEMBERS)


@pytest.fixture
def clerk(db) -> User:
    return _user("colin-clerk", CLERKS)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but in no role."""
    return _user("oscar-outsider", None)


@pytest.fixture
def demo_data(db) -> None:
    for path in demo_files():
        load_review_document(read_document(path))


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client
