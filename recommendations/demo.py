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

from recommendations import services
from recommendations.models import (
    DatePrecision,
    DocumentVersion,
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
# Sent inside the loading transaction before a review is deleted to be loaded again, with
# ``review`` and ``meetings`` (those deleted with it).
review_document_replacing = Signal()


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
    """Create the review a document describes. Returns None if it exists and ``replace`` is off.

    Every row goes through ``services``: the papers are published, so through the published
    route where one exists (``record_published_*``), which holds them to every rule but the
    departures ``rules.PUBLISHED_DEPARTURES`` names. A final update report is recorded as it
    happened: opened, its updates entered, then finalised."""
    slug = doc["review"]["slug"]
    existing = Review.objects.filter(slug=slug).first()
    if existing and not replace:
        return None
    if existing:
        # The document's meetings are the demo's, with whatever was kept for them (a pack
        # issued for a demo meeting protects it): apps built on this one let go of theirs.
        meetings = list(existing.meetings.all())
        review_document_replacing.send(sender=Review, review=existing, meetings=meetings)
        services.review_delete(review=existing, meetings=meetings, user=None)

    authority = services.authority_get_or_create(
        slug=doc["authority"]["slug"], name=doc["authority"]["name"]
    )
    committee = services.committee_get_or_create(
        authority=authority, slug=doc["committee"]["slug"], name=doc["committee"]["name"]
    )
    for entry in doc.get("glossary") or []:
        services.glossary_term_set(
            authority=authority, term=entry["term"], meaning=entry["meaning"]
        )

    people: dict[str, Person] = {}
    for key, entry in (doc.get("people") or {}).items():
        people[key] = services.person_get_or_create(
            authority=authority,
            name=entry["name"],
            job_title=entry.get("job_title") or "",
            organisation=entry.get("organisation") or "",
            kind=entry.get("kind") or Person.Kind.PERSON,
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
    review = services.review_create(
        review=Review(
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
        ),
        user=None,
    )
    for order, entry in enumerate(data.get("document_versions") or []):
        version_date, _ = parse_partial_date(entry.get("date"))
        services.document_version_create(
            document_version=DocumentVersion(
                review=review,
                version=entry["version"],
                changes=_text(entry.get("changes")),
                author=_text(entry.get("author")),
                date=version_date,
                order=order,
            )
        )

    meetings: dict[str, Meeting] = {}
    for entry in doc.get("meetings") or []:
        due, _ = parse_partial_date(entry.get("next_follow_up_due"))
        meetings[entry["key"]] = services.meeting_create(
            meeting=Meeting(
                date=parse_partial_date(entry["date"])[0],
                agenda_item=entry["agenda_item"],
                minutes=_text(entry.get("minutes")),
                decision=_text(entry.get("decision")),
                next_follow_up=_text(entry.get("next_follow_up")),
                next_follow_up_due=due,
            ),
            review=review,
            user=None,
        )

    reports: dict[str, UpdateReport] = {}
    for entry in doc.get("update_reports") or []:
        as_at, as_at_precision = parse_partial_date(entry.get("as_at"))
        reports[entry["key"]] = services.update_report_create(
            report=UpdateReport(
                review=review,
                title=entry["title"],
                as_at=as_at,
                as_at_precision=as_at_precision,
                meeting=meetings[entry["meeting"]] if entry.get("meeting") else None,
                author=person(entry.get("author")),
                authorised_by=person(entry.get("authorised_by")),
                summary=_text(entry.get("summary")),
            ),
            contributors=[person(key) for key in entry.get("contributors") or []],
            user=None,
        )

    order = 0

    def add_recommendation(entry: dict[str, Any], parent: Recommendation | None) -> None:
        nonlocal order
        order += 1
        recommendation = services.record_published_recommendation(
            recommendation=Recommendation(
                review=review,
                parent=parent,
                label=str(entry["label"]),
                order=order,
                text=_text(entry.get("text")),
            )
        )
        if "response" in entry:
            response = entry["response"]
            response_on, response_precision = parse_partial_date(response.get("agreed_on"))
            timetable_on, timetable_precision = parse_partial_date(response.get("timetable_date"))
            services.response_save(
                response=Response(
                    recommendation=recommendation,
                    decision=response.get("decision", Response.Decision.AWAITING),
                    text=_text(response.get("text")),
                    given_by=_text(response.get("given_by")),
                    agreed_on=response_on,
                    agreed_precision=response_precision,
                    timetable=_text(response.get("timetable")),
                    timetable_date=timetable_on,
                    timetable_precision=timetable_precision,
                ),
                expected_version=None,
                user=None,
            )
        for lead in entry.get("leads") or []:
            services.lead_add(
                recommendation=recommendation,
                person=person(lead["person"]),
                role=lead.get("role", Lead.Role.LEAD_OFFICER),
                user=None,
            )
        for update in entry.get("updates") or []:
            as_at, as_at_precision = parse_partial_date(update["as_at"])
            target, _ = parse_partial_date(update.get("target_date"))
            services.record_published_update(
                update=ProgressUpdate(
                    recommendation=recommendation,
                    report=reports[update["report"]] if update.get("report") else None,
                    as_at=as_at,
                    as_at_precision=as_at_precision,
                    text=_text(update.get("text")),
                    status=update.get("status", ProgressUpdate.Status.IN_PROGRESS),
                    timescale=_text(update.get("timescale")),
                    target_date=target,
                    target_date_change_reason=_text(update.get("target_date_change_reason")),
                    author=person(update.get("author")),
                )
            )
        for part in entry.get("parts") or []:
            add_recommendation(part, recommendation)

    for entry in doc.get("recommendations") or []:
        add_recommendation(entry, None)
    for entry in doc.get("update_reports") or []:
        if entry.get("is_final", False):
            report = reports[entry["key"]]
            services.update_report_finalise(
                report=report, expected_version=report.version, user=None
            )
    # Apps built on this one (the appendix layout is the reports app's) read their own parts
    # of the document; this app never imports them.
    review_document_loaded.send(sender=Review, review=review, document=data)
    return review
