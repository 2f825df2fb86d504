from __future__ import annotations

import copy
import functools
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.utils.functional import empty
from whitenoise.base import WhiteNoise

from recommendations.demo import demo_files, load_review_document, read_document
from recommendations.roles import CLERKS, COMMISSION_MEMBERS, SCRUTINY_OFFICERS

T = TypeVar("T")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct-horse-battery-staple"


_update_files_dictionary = WhiteNoise.update_files_dictionary
_static_files: dict[tuple, dict] = {}


def _listed_once(self: WhiteNoise, root: str, prefix: str) -> None:
    """WhiteNoise lists and stats the collected static files whenever a handler loads its
    middleware: once per worker in production, but here once per test client, 40-90 ms about
    a thousand times a pass. Listed once per process for each configuration that shapes the
    entries (the files do not change during a run), then copied into each instance."""
    key = (
        type(self), root, prefix, self.max_age, self.allow_all_origins, self.charset,
        self.add_headers_function, getattr(self, "static_prefix", None),
    )  # fmt: skip
    if key not in _static_files:
        before = dict(self.files)
        _update_files_dictionary(self, root, prefix)
        _static_files[key] = {
            url: entry for url, entry in self.files.items() if before.get(url) is not entry
        }
    self.files.update(_static_files[key])


WhiteNoise.update_files_dictionary = _listed_once


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """The heap as it stands before a test runs (Django, the app, the test tools, the test's
    fixtures) is left out of the garbage collector's passes while it runs (``gc.freeze``, as
    ``exclusions_tracker/wsgi.py`` does for a worker's start-up): a test that makes garbage
    sets off a full collection now and then, and each walked those quarter-million
    long-lived objects again (a tenth of the fuzz examples' time). What the test itself
    leaves is still collected; the frozen heap is handed back after it."""
    gc.freeze()
    try:
        return (yield)
    finally:
        gc.unfreeze()


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


def _load_demo() -> None:
    for path in demo_files():
        load_review_document(read_document(path))


# One table's rows as a recorded builder (the demo loader, a ``Recorded``) wrote them: the
# model, its concrete fields' attnames, and each row's values in that order.
RecordedRows = tuple[type[models.Model], list[str], list[tuple]]


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def record_rows(build: Callable[[], T]) -> tuple[list[RecordedRows], T]:
    """Run ``build`` in a transaction that is then rolled back, and record every row it wrote
    (its history included) and what it returned. ``build`` must not refer to rows made before
    it (a test's own user): the rows are copied into other tests, where those are not."""
    recorded: list[RecordedRows] = []
    with transaction.atomic():
        before = {
            model: set(model._base_manager.values_list("pk", flat=True)) for model in _tables()
        }
        value = build()
        for model, existing in before.items():
            fields = [field.attname for field in model._meta.concrete_fields]
            pk = fields.index(model._meta.pk.attname)
            rows = [
                row
                for row in model._base_manager.order_by("pk").values_list(*fields)
                if row[pk] not in existing
            ]
            if rows:
                recorded.append((model, fields, rows))
        transaction.set_rollback(True)
    return recorded, value


class Recorded(Generic[T]):
    """Rows a fixture's ``build`` writes, recorded once per test process (``record_rows``) and
    copied into each test that calls this, with a copy of what ``build`` returned: for data
    that takes seconds to build through the services and that many tests read. A test whose
    own rows clash with the recorded ones gets ``build`` itself."""

    def __init__(self, build: Callable[[], T]) -> None:
        self.build = build
        self.recorded: tuple[list[RecordedRows], T] | None = None

    def __call__(self) -> T:
        if self.recorded is None:
            self.recorded = record_rows(self.build)
        rows, value = self.recorded
        return copy.deepcopy(value) if _copy_rows(rows) else self.build()


@pytest.fixture(scope="session")
def _demo_rows(django_db_setup, django_db_blocker) -> list[RecordedRows]:
    """Every row the real demo loader writes (its history included), recorded once per test
    process. Loading goes through every service and full_clean (seconds per test; most of the
    suite's setup time), copying the rows it wrote takes a few milliseconds."""
    with django_db_blocker.unblock():
        return record_rows(_load_demo)[0]


def _copy_rows(recorded: list[RecordedRows]) -> bool:
    """Write the recorded rows back with their own ids; False (nothing written) if a row the
    test made already holds one of them (an id, a slug), so the loader must run instead."""
    for model, fields, rows in recorded:
        pk = fields.index(model._meta.pk.attname)
        if model._base_manager.filter(pk__in=[row[pk] for row in rows]).exists():
            return False
    try:
        # One transaction: foreign keys are checked at its end, so table order does not matter.
        with transaction.atomic():
            for model, fields, rows in recorded:
                model._base_manager.bulk_create(
                    [model.from_db(connection.alias, fields, row) for row in rows]
                )
            # Ids given explicitly do not move PostgreSQL's sequences: the next new row must
            # not take one of them. (SQLite's AUTOINCREMENT follows the largest id by itself.)
            statements = connection.ops.sequence_reset_sql(
                no_style(), [model for model, _, _ in recorded]
            )
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
    except IntegrityError:
        return False
    return True


@pytest.fixture
def demo_data(db, _demo_rows) -> None:
    """The three seed reviews, as ``load_demo_data`` loads them. The loader ran once for this
    test process (``_demo_rows``); its rows are copied in. A test that made rows of its own
    first that clash with them gets the loader itself."""
    if not _copy_rows(_demo_rows):
        _load_demo()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client
