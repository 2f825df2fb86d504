"""What the services share: the checks before every save (``_validate``), who made the
change and optimistic locking (``_save_versioned``), a final report's lock, the batch helpers,
the history's reason during an import, and short names for web addresses (``unique_slug``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.dispatch import receiver
from django.utils.text import slugify
from simple_history.signals import pre_create_historical_record

from recommendations import rules
from recommendations.models import ProgressUpdate, UpdateReport
from recommendations.services.errors import EditConflict, RecordLocked, RowRefused

User = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", bound=models.Model)


def _validate(instance: M, rule: Callable[[M], rules.Errors] | None = None) -> None:
    """The model's field checks first (they also turn typed-in values such as "2024-03-01" into
    dates), then the domain's rules (their messages are the clearer, so they come before the
    model's unique checks), then the rest of the model's own: ``clean()``, unique, constraints."""
    instance.clean_fields()
    rules.check(rules.markdown_errors(instance))
    if rule is not None:
        rules.check(rule(instance))
    instance.full_clean()


def _attribute_to(instance: models.Model, user: User) -> None:
    # The history middleware covers requests; this covers services called from elsewhere too.
    if user is not None and user.is_authenticated:
        instance._history_user = user


def _save_versioned(instance: models.Model, *, expected_version: int, user: User) -> None:
    """Optimistic locking that still records history.

    ``select_for_update`` holds the row on PostgreSQL until the transaction ends; on SQLite it
    is a no-op, but the IMMEDIATE transaction mode already serialises writers, so the version
    read here cannot change before our save.
    """
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun=model._meta.verbose_name, current_version=current)
    instance.version = current + 1
    _attribute_to(instance, user)
    instance.save()


def _next_order(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


def _move_among(
    siblings: models.QuerySet, item: models.Model, direction: Literal["up", "down"], user: User
) -> None:
    """Swap ``item`` with its neighbour among ``siblings`` (locked, in order), renumbering them
    1..n so gaps and ties go. At either end, nothing moves."""
    ordered = list(siblings.select_for_update().order_by("order", "id"))
    index = next(i for i, sibling in enumerate(ordered) if sibling.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered, start=1):
        if sibling.order != position:
            sibling.order = position
            sibling.version += 1
            _attribute_to(sibling, user)
            sibling.save()


SLUG_MAX = 100


def unique_slug(text: str, *, taken: models.QuerySet, fallback: str) -> str:
    """A short name for web addresses made from ``text`` (``fallback`` if nothing of it is
    left, e.g. a title in another script), with "-2", "-3"... until ``taken`` (a queryset of
    the other records' slugs) does not have it, and never a reserved one."""
    base = slugify(text)[:SLUG_MAX].strip("-_") or fallback
    prefix = base[: SLUG_MAX - 10]  # what every candidate below starts with
    existing = set(taken.filter(slug__startswith=prefix).values_list("slug", flat=True))
    existing |= rules.RESERVED_SLUGS
    candidate, n = base, 1
    while candidate in existing:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-_") + suffix
    return candidate


@contextmanager
def _errors_on(fields: Mapping[str, str], *, default: str) -> Iterator[None]:
    """Something added on the spot from another record's form: its refusal, keyed by that
    form's fields (``fields`` maps the model's field to the form's; the rest go to
    ``default``)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise ValidationError({default: error.messages}) from error
        rekeyed: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            rekeyed.setdefault(fields.get(name, default), []).extend(messages)
        raise ValidationError(rekeyed) from error


def _drop_stale_wording(instance: models.Model, value: str, wording: str) -> None:
    """The paper's word belongs to the value it was recorded with: a value changed without a
    new word (the round entry's form has none) drops the old word, which would misname it."""
    stored = type(instance)._default_manager.filter(pk=instance.pk).values(value, wording).first()
    if (
        stored
        and getattr(instance, value) != stored[value]
        and getattr(instance, wording) == stored[wording]
    ):
        setattr(instance, wording, "")


def _refuse_if_changed(instance: models.Model, expected_version: int | None) -> None:
    """A delete confirmed on a page that showed an older version is refused like a save over
    it: what goes is what the person saw. ``None``: no page was involved (the shell, tests)."""
    if expected_version is None:
        return
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != expected_version:
        raise EditConflict(noun=model._meta.verbose_name, current_version=current)


def _refuse_if_final(report_id: int | None) -> None:
    # The report's row is held until the write commits, so finalising (which holds it too)
    # sees every update that went in before it, and none goes in after.
    if report_id and (
        UpdateReport.objects.select_for_update()
        .filter(pk=report_id)
        .values_list("is_final", flat=True)
        .first()
    ):
        raise RecordLocked()


def _progress_update_add(
    *, update: ProgressUpdate, user: User, as_published: bool
) -> ProgressUpdate:
    if update.report_id:
        _refuse_if_final(update.report_id)
    _validate(
        update, lambda update: rules.progress_update_errors(update, as_published=as_published)
    )
    if user is not None and user.is_authenticated:
        update.created_by = user
    _attribute_to(update, user)
    update.save()
    return update


_IN_CHUNK = 500  # values per IN (...) list, well within SQLite's limit on parameters


@contextmanager
def _row(row: int) -> Iterator[None]:
    """Says which row of a batch a refusal is about, keeping its messages keyed by field."""
    try:
        yield
    except ValidationError as error:
        raise RowRefused(row, error) from error


def _chunks(values: Iterable, size: int = _IN_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


_history_reason: ContextVar[str | None] = ContextVar("history_reason", default=None)


@receiver(pre_create_historical_record)
def _give_history_its_reason(sender, history_instance, **kwargs) -> None:
    reason = _history_reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


@contextmanager
def _history_reason_is(reason: str) -> Iterator[None]:
    token = _history_reason.set(reason[:100])
    try:
        yield
    finally:
        _history_reason.reset(token)
