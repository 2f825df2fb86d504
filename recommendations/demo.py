"""Load review documents written as YAML (see fixtures/README.md) into the database.

The demo data is kept as one readable YAML file per review rather than as a Django
``dumpdata`` fixture: long committee texts stay legible and reviewable in diffs, and
nothing depends on primary keys.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.dispatch import Signal

from recommendations.models import (
    Authority,
    Committee,
    DatePrecision,
    DocumentVersion,
    GlossaryTerm,
    Lead,
    Meeting,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
    Review,
    UpdateReport,
)

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


# Sent inside the loading transaction with ``review`` and ``document`` (the file's "review").
review_document_loaded = Signal()


class DemoDataError(ValueError):
    pass


def parse_partial_date(value: Any) -> tuple[dt.date | None, str]:
    """``2022-03`` is March 2022 (month precision); ``2022-03-14`` a day; ``2022`` a year."""
    if value in (None, ""):
        return None, DatePrecision.DAY
    if isinstance(value, dt.date):
        return value, DatePrecision.DAY
    match = _PARTIAL_DATE.match(str(value).strip())
    if not match:
        raise DemoDataError(f"Not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = match.groups()
    if day:
        return dt.date(int(year), int(month), int(day)), DatePrecision.DAY
    if month:
        return dt.date(int(year), int(month), 1), DatePrecision.MONTH
    return dt.date(int(year), 1, 1), DatePrecision.YEAR


def _text(value: Any) -> str:
    return (value or "").strip()


def demo_files() -> list[Path]:
    return sorted(FIXTURES_DIR.glob("*.yaml"))


def read_document(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@transaction.atomic
def load_review_document(doc: dict[str, Any], *, replace: bool = False) -> Review | None:
    """Create the review a document describes. Returns None if it exists and ``replace`` is off."""
    slug = doc["review"]["slug"]
    existing = Review.objects.filter(slug=slug).first()
    if existing and not replace:
        return None
    if existing:
        meeting_ids = list(existing.meetings.values_list("pk", flat=True))
        existing.delete()
        Meeting.objects.filter(pk__in=meeting_ids).delete()

    authority, _ = Authority.objects.get_or_create(
        slug=doc["authority"]["slug"], defaults={"name": doc["authority"]["name"]}
    )
    committee, _ = Committee.objects.get_or_create(
        authority=authority,
        slug=doc["committee"]["slug"],
        defaults={"name": doc["committee"]["name"]},
    )
    for entry in doc.get("glossary") or []:
        GlossaryTerm.objects.update_or_create(
            authority=authority, term=entry["term"], defaults={"meaning": entry["meaning"]}
        )

    people: dict[str, Person] = {}
    for key, entry in (doc.get("people") or {}).items():
        people[key], _ = Person.objects.get_or_create(
            name=entry["name"],
            job_title=entry.get("job_title") or "",
            organisation=entry.get("organisation") or "",
        )

    def person(key: str | None) -> Person | None:
        if not key:
            return None
        if key not in people:
            raise DemoDataError(f"{slug}: unknown person {key!r}")
        return people[key]

    data = doc["review"]
    reported_on, reported_precision = parse_partial_date(data.get("reported_on"))
    agreed_on, agreed_precision = parse_partial_date(data.get("response_agreed_on"))
    review = Review.objects.create(
        committee=committee,
        slug=slug,
        title=data["title"],
        owner=_text(data.get("owner")),
        summary=_text(data.get("summary")),
        reported_on=reported_on,
        reported_precision=reported_precision,
        response_agreed_on=agreed_on,
        response_agreed_precision=agreed_precision,
        lead_cabinet_member=person(data.get("lead_cabinet_member")),
        lead_director=person(data.get("lead_director")),
        status=data.get("status", Review.Status.MONITORING),
    )
    for order, entry in enumerate(data.get("document_versions") or []):
        version_date, _ = parse_partial_date(entry.get("date"))
        DocumentVersion.objects.create(
            review=review,
            version=entry["version"],
            changes=_text(entry.get("changes")),
            author=_text(entry.get("author")),
            date=version_date,
            order=order,
        )

    meetings: dict[str, Meeting] = {}
    for entry in doc.get("meetings") or []:
        due, _ = parse_partial_date(entry.get("next_follow_up_due"))
        meeting = Meeting.objects.create(
            committee=committee,
            date=parse_partial_date(entry["date"])[0],
            agenda_item=entry["agenda_item"],
            minutes=_text(entry.get("minutes")),
            decision=_text(entry.get("decision")),
            next_follow_up=_text(entry.get("next_follow_up")),
            next_follow_up_due=due,
        )
        meeting.reviews.add(review)
        meetings[entry["key"]] = meeting

    reports: dict[str, UpdateReport] = {}
    for entry in doc.get("update_reports") or []:
        as_at, as_at_precision = parse_partial_date(entry.get("as_at"))
        report = UpdateReport.objects.create(
            review=review,
            title=entry["title"],
            as_at=as_at,
            as_at_precision=as_at_precision,
            meeting=meetings[entry["meeting"]] if entry.get("meeting") else None,
            author=person(entry.get("author")),
            authorised_by=person(entry.get("authorised_by")),
            summary=_text(entry.get("summary")),
            is_final=bool(entry.get("is_final", False)),
        )
        report.contributors.set([person(key) for key in entry.get("contributors") or []])
        reports[entry["key"]] = report

    order = 0

    def add_recommendation(entry: dict[str, Any], parent: Recommendation | None) -> None:
        nonlocal order
        order += 1
        recommendation = Recommendation.objects.create(
            review=review,
            parent=parent,
            label=str(entry["label"]),
            order=order,
            text=_text(entry.get("text")),
        )
        if "response" in entry:
            response = entry["response"]
            response_on, response_precision = parse_partial_date(response.get("agreed_on"))
            timetable_on, timetable_precision = parse_partial_date(response.get("timetable_date"))
            Response.objects.create(
                recommendation=recommendation,
                decision=response.get("decision", Response.Decision.AWAITING),
                text=_text(response.get("text")),
                given_by=_text(response.get("given_by")),
                agreed_on=response_on,
                agreed_precision=response_precision,
                timetable=_text(response.get("timetable")),
                timetable_date=timetable_on,
                timetable_precision=timetable_precision,
            )
        for lead_order, lead in enumerate(entry.get("leads") or []):
            Lead.objects.create(
                recommendation=recommendation,
                person=person(lead["person"]),
                role=lead.get("role", Lead.Role.LEAD_OFFICER),
                order=lead_order,
            )
        for update in entry.get("updates") or []:
            as_at, as_at_precision = parse_partial_date(update["as_at"])
            target, _ = parse_partial_date(update.get("target_date"))
            ProgressUpdate.objects.create(
                recommendation=recommendation,
                report=reports[update["report"]] if update.get("report") else None,
                as_at=as_at,
                as_at_precision=as_at_precision,
                text=_text(update.get("text")),
                status=update.get("status", ProgressUpdate.Status.IN_PROGRESS),
                timescale=_text(update.get("timescale")),
                target_date=target,
                author=person(update.get("author")),
            )
        for part in entry.get("parts") or []:
            add_recommendation(part, recommendation)

    for entry in doc.get("recommendations") or []:
        add_recommendation(entry, None)
    # Apps built on this one (the appendix layout is the reports app's) read their own parts
    # of the document; this app never imports them.
    review_document_loaded.send(sender=Review, review=review, document=data)
    return review
