"""The reports' queries: a review's appendix, the cross-review table and a meeting's pack, each
in a fixed number of queries whatever the number of rows. They return model instances;
``reports.rows`` turns them into the cells every format prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import DateField, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property

from recommendations import search
from recommendations.models import (
    Authority,
    DocumentVersion,
    GlossaryTerm,
    Meeting,
    ProgressUpdate,
    Recommendation,
    Review,
    SupportingDocument,
    UpdateReport,
)
from recommendations.monitoring import (
    open_priorities,
    round_updates_filter,
    update_in_round,
    with_progress,
)
from recommendations.selectors import latest_update_ids, leads_prefetch
from reports.models import AppendixLayoutFields, AppendixSettings, ReportAppendixSettings


@dataclass
class AppendixData:
    review: Review
    # The report's own layout when it has one, else the review's (or the default).
    settings: AppendixLayoutFields
    report: UpdateReport | None
    # (recommendation, the update it shows, whether it is a part), parts after their parent.
    entries: list[tuple[Recommendation, ProgressUpdate | None, bool]]
    # With a report: the recommendations with no update in it, which show their latest
    # earlier update instead (or none, if they never had one).
    no_new_update: set[int] = field(default_factory=set)
    # For the header block, fetched only when the layout shows them.
    meeting: Meeting | None = None
    versions: list[DocumentVersion] = field(default_factory=list)


@dataclass
class MeetingPackData:
    meeting: Meeting
    cover: UpdateReport | None
    appendices: list[AppendixData]
    glossary: list[GlossaryTerm]  # every term of the authorities the pack names
    # Attached to the meeting, then to its update reports, then to the updates the pack shows.
    documents: list[SupportingDocument]


def parse_report_id(raw: str | None) -> int | None:
    """``?report=`` as an id; anything that is not a positive integer is a 404, not a 500."""
    if raw in (None, ""):
        return None
    # isdigit() let through "²", which int() refuses (a 500); ASCII decimal digits only.
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 18:
        raise Http404("No such update report.")
    return int(raw)


def appendix_data(
    review: Review,
    report_id: int | None = None,
    layout: AppendixLayoutFields | None = None,
    *,
    updates: QuerySet[ProgressUpdate] | None = None,
) -> AppendixData:
    """Queries, with ``review`` already loaded with its settings: [the report with its
    meeting and own settings]; the recommendations with their responses; their leads with
    people; their updates; and what the header block shows, when it does: [the review's
    latest meeting, when no report names one]; [the version table]; [the lead member and
    director, when not loaded with the review].

    ``updates``: the only updates the appendix may show (the public appendix's: final
    reports' only), the newest of them, or the report's and its latest earlier ones among
    them; by default every update."""
    report = None
    if report_id is not None:
        report = get_object_or_404(
            UpdateReport.objects.select_related("meeting", "appendix_settings"),
            pk=report_id,
            review=review,
        )
    # Each update with the committee's view of it (joined: no query of its own).
    if updates is not None:
        # Newest first, each recommendation's first is the one shown (``update_in_round``
        # picks among them for a report).
        shown = (
            (updates.filter(round_updates_filter(report)) if report is not None else updates)
            .select_related("report", "verdict__meeting")
            .order_by("-as_at", "-id")
        )
    elif report is None:
        shown = ProgressUpdate.objects.filter(pk=latest_update_ids()).select_related(
            "report", "author", "verdict__meeting"
        )
    else:
        # Its own updates and the earlier ones: a recommendation without an update in this
        # report shows its latest earlier one, marked (``update_in_round``).
        shown = (
            ProgressUpdate.objects.filter(round_updates_filter(report))
            .select_related("verdict__meeting")
            .order_by("-as_at", "-id")
        )
    updates = Prefetch("updates", queryset=shown, to_attr="latest_updates")
    recommendations = list(
        with_progress(Recommendation.objects.filter(review=review))
        .select_related("response", "closed_at_meeting", "reopened_at_meeting")
        .prefetch_related(leads_prefetch(), updates)
        .order_by("order", "id")
    )
    settings = layout if layout is not None else _layout_for(review, report)

    # Parts follow their parent, in the parent's order.
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if rec.parent_id:
            parts.setdefault(rec.parent_id, []).append(rec)
    entries = []
    no_new_update: set[int] = set()
    for rec in recommendations:
        if rec.parent_id:
            continue
        for item, is_part in [(rec, False)] + [(part, True) for part in parts.get(rec.pk, [])]:
            if report is None:
                update = item.latest_updates[0] if item.latest_updates else None
            else:
                update, carried = update_in_round(item.latest_updates, report)
                # A parent whose parts carry the decisions need not have an update of its own.
                if carried and (update is not None or not item.has_parts):
                    no_new_update.add(item.pk)
            entries.append((item, update, is_part))
    header = settings.get_header()
    meeting = None
    if "meeting" in header:
        meeting = report.meeting if report is not None and report.meeting_id else None
        meeting = meeting or review.meetings.order_by("-date", "-id").first()
    versions = list(review.document_versions.all()) if "versions" in header else []
    return AppendixData(review, settings, report, entries, no_new_update, meeting, versions)


def _layout_for(review: Review, report: UpdateReport | None) -> AppendixLayoutFields:
    if report is not None:
        try:
            return report.appendix_settings
        except ReportAppendixSettings.DoesNotExist:
            pass
    try:
        return review.appendix_settings
    except AppendixSettings.DoesNotExist:
        return AppendixSettings(review=review)


def review_for_appendix(slug: str) -> Review:
    return get_object_or_404(
        Review.objects.select_related("committee__authority", "appendix_settings"), slug=slug
    )


# The cross-review table's order: open priorities first, then by review in each paper's order.
BY_REVIEW = ("review__title", "order", "id")
LIST_ORDER = ("-is_open_priority", *BY_REVIEW)


def recommendation_list() -> QuerySet[Recommendation]:
    """Every recommendation (parts included) with its review, response, leads and where it
    stands (``with_progress``: latest status, timescale, target date, overdue), open
    priorities first, then by review. Queries: the rows (plus a count when paginated); their
    leads with people. A page of it: ``page_ids``."""
    return (
        with_progress(
            Recommendation.objects.select_related(
                "review__committee__authority", "response", "closed_at_meeting"
            )
        )
        .prefetch_related(leads_prefetch())
        .order_by(*LIST_ORDER)
    )


def row_count(queryset: QuerySet) -> int:
    """How many rows ``queryset`` has (``_counted``)."""
    return _counted(queryset).count()


def bounded_count(queryset: QuerySet, limit: int) -> int:
    """How many rows ``queryset`` has, counted no further than ``limit + 1`` (``_counted``):
    a count that costs no more when 100,000 match than when ``limit`` do. More than
    ``limit``: ``limit + 1``."""
    return _counted(queryset).values("pk")[: limit + 1].count()


def _counted(queryset: QuerySet) -> QuerySet:
    """``queryset`` to count. Unfiltered, its model's rows, without the joins its
    annotations made (the reviews, for ``with_progress``'s overdue): PostgreSQL would join
    every recommendation to its review only to count them."""
    query = queryset.query
    unfiltered = not (query.where or query.is_sliced or query.distinct or query.combinator)
    # Joined only to one row each (a review, a response), so that no row is repeated.
    to_one = query.group_by is None and all(
        join.join_field.many_to_one or join.join_field.one_to_one
        for join in query.alias_map.values()
        if getattr(join, "join_field", None) is not None
    )
    if unfiltered and to_one:
        return queryset.model._default_manager.order_by()
    return queryset.prefetch_related(None).order_by()


def page_rows(queryset: QuerySet, key: slice) -> list:
    """Rows ``key`` of ``queryset``, read ids first: the page's ids (``page_ids``, with only
    the joins its filter and order need), then those rows with everything they show. Asked
    for a page directly, PostgreSQL plans the annotations for every row the order might
    pass (``with_progress``'s "has parts" read the whole table to hash it)."""
    return rows_by_ids(queryset, page_ids(queryset, key))


def rows_by_ids(queryset: QuerySet, ids: list[int]) -> list:
    """The rows of ``queryset`` with these ids, in the order of ``ids``."""
    rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [rows[pk] for pk in ids if pk in rows]


class FirstMatches:
    """A search as a paginator reads it (the app's table and the API): only its first
    ``limit`` matches, read once by one query (``search.first_matches``: ids and ranks; those
    added last when ``newest``, else the first found), counted, and each page cut from them in
    the search's order (``search.order_of``), its rows read from ``rows`` (the same
    recommendations, neither filtered nor searched). A page costs the same whether 900 or
    90,000 match."""

    more = False  # more match than ``limit``: known once the candidates are read

    def __init__(self, matches: QuerySet, *, rows: QuerySet, limit: int, newest: bool) -> None:
        self.matches, self.rows, self.limit, self.newest = matches, rows, limit, newest

    @cached_property
    def candidates(self) -> dict[int, float]:
        found = search.first_matches(self.matches, self.limit, newest=self.newest)
        self.more = len(found) > self.limit
        return dict(list(found.items())[: self.limit])

    def count(self) -> int:
        return len(self.candidates)

    def __getitem__(self, key: slice) -> list:
        ids = search.order_of(self.candidates, self.rows, self.matches.query.order_by, key)
        return rows_by_ids(self.rows, ids)


def page_ids(queryset: QuerySet[Recommendation], key: slice) -> list[int]:
    """The ids of rows ``key`` (``start:stop``) of ``queryset``, in its order.

    In the table's own order (``LIST_ORDER``), read in two parts, so that the database never
    works out where every recommendation stands only to put a few first: 175,000 of them at
    national scale, sorted, for a page of 25. First the page's open priorities (found among
    the priorities, which are few), then the other recommendations by review, which indexes
    give in order (on the review's title, then its recommendations' order), so that reading
    a page reads about as many rows as it shows. Queries: the open priorities on the page;
    [how many there are, for a page past them]; [the others on the page]."""
    ids = queryset.prefetch_related(None).values_list("pk", flat=True)
    start, stop = key.start or 0, key.stop
    if tuple(queryset.query.order_by) != LIST_ORDER or key.step or stop is None or start < 0:
        return list(ids[key])
    priorities = open_priorities(ids).order_by(*BY_REVIEW)
    head = list(priorities[start:stop]) if stop > start else []
    if len(head) == stop - start:
        return head
    # Every open priority is before this page's end: how many come before the others.
    before = start + len(head) if head or not start else priorities.count()
    rest = ids.filter(is_open_priority=False).order_by(*BY_REVIEW)
    return head + list(rest[max(start - before, 0) : stop - before])


def meeting_pack_data(meeting_id: int) -> MeetingPackData:
    """Queries: the meeting; its update reports (with their reviews and people); the reviews it
    lists; then four per review considered (see ``appendix_data``); the glossary; the
    supporting documents (``pack_documents``)."""
    meeting = get_object_or_404(
        Meeting.objects.select_related("committee__authority"), pk=meeting_id
    )
    reports = list(
        meeting.update_reports.select_related(
            "review__committee__authority",
            "review__appendix_settings",
            "appendix_settings",
            "author",
            "authorised_by",
        ).order_by("review__title", "title")
    )
    reviews = {report.review_id: report.review for report in reports}
    for review in meeting.reviews.select_related("committee__authority", "appendix_settings"):
        reviews.setdefault(review.pk, review)
    report_for = {report.review_id: report.pk for report in reversed(reports)}
    ordered = sorted(reviews.values(), key=lambda r: r.title)
    appendices = [appendix_data(review, report_for.get(review.pk)) for review in ordered]
    authority_ids = {review.committee.authority_id for review in ordered}
    authority_ids.add(meeting.committee.authority_id)
    return MeetingPackData(
        meeting=meeting,
        cover=reports[0] if reports else None,
        appendices=appendices,
        glossary=list(GlossaryTerm.objects.filter(authority_id__in=authority_ids).order_by("term")),
        documents=pack_documents(meeting, reports, appendices),
    )


def pack_documents(
    meeting: Meeting, reports: list[UpdateReport], appendices: list[AppendixData]
) -> list[SupportingDocument]:
    """One query: the documents of the meeting, of the update reports presented at it, and of
    each update the pack's appendices show, in that order (updates in the appendices' order)."""
    update_order = {
        update.pk: position
        for position, update in enumerate(
            update for item in appendices for _, update, _ in item.entries if update is not None
        )
    }
    report_order = {report.pk: position for position, report in enumerate(reports)}
    documents = SupportingDocument.objects.filter(
        Q(meeting=meeting)
        | Q(update_report__in=list(report_order))
        | Q(progress_update__in=list(update_order))
    ).select_related("update_report", "progress_update__recommendation__review")

    def order(document: SupportingDocument) -> tuple:
        if document.meeting_id:
            return (0, 0, document.title, document.pk)
        if document.update_report_id:
            return (1, report_order[document.update_report_id], document.title, document.pk)
        return (2, update_order[document.progress_update_id], document.title, document.pk)

    return sorted(documents, key=order)


@dataclass
class TrackerData:
    # (recommendation, its latest update, whether it is a part), review by review.
    entries: list[tuple[Recommendation, ProgressUpdate | None, bool]]
    references: dict[int, str]  # recommendation id: its reference in the authority's pattern


TRACKER_IDS_LISTED = 5000


def tracker_data(
    filtered: QuerySet[Recommendation], *, priority_first: bool = False
) -> TrackerData:
    """The recommendations ``filtered`` selects, across reviews, each with its latest update,
    in their authority's, committee's and review's order (parts after their parent); with
    ``priority_first`` (a tracker filtered by priority), each review's open priorities come
    first, else the papers' order is kept. Queries:
    their ids; the recommendations with their reviews, committees, authorities and responses;
    their leads with people; their latest updates; the numbering (``tracker_references``)."""
    shown = ProgressUpdate.objects.filter(pk=latest_update_ids()).select_related(
        "report", "author", "verdict__meeting"
    )
    # The ids first: given the filter as a subquery, PostgreSQL joined every recommendation
    # to its review, committee, authority and response before keeping the few it selects
    # (1.4 s for a committee's 87 implemented ones at 10,000 reviews). A tracker larger than
    # ``TRACKER_IDS_LISTED`` keeps the subquery, within the databases' limits on parameters.
    chosen = filtered.order_by().values_list("pk", flat=True)
    ids = list(chosen[: TRACKER_IDS_LISTED + 1])
    recommendations = list(
        with_progress(
            Recommendation.objects.filter(pk__in=ids if len(ids) <= TRACKER_IDS_LISTED else chosen)
        )
        .select_related("response", "review__committee__authority")
        .prefetch_related(
            leads_prefetch(), Prefetch("updates", queryset=shown, to_attr="latest_updates")
        )
        .order_by(
            "review__committee__authority__name",
            "review__committee__name",
            F("review__reported_on").asc(nulls_last=True),
            "review__title",
            "review_id",
            *(["-is_open_priority"] if priority_first else []),
            "order",
            "id",
        )
    )
    present = {rec.pk for rec in recommendations}
    parts: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        if rec.parent_id in present:
            parts.setdefault(rec.parent_id, []).append(rec)
    entries = []
    for rec in recommendations:
        if rec.parent_id in present:
            continue  # printed after its parent
        for item in [rec, *parts.get(rec.pk, [])]:
            update = item.latest_updates[0] if item.latest_updates else None
            entries.append((item, update, item.parent_id is not None))
    authorities = {
        rec.review.committee.authority_id: rec.review.committee.authority for rec in recommendations
    }
    return TrackerData(entries, tracker_references(authorities))


def tracker_references(authorities: dict[int, Authority]) -> dict[int, str]:
    """Every recommendation of these authorities with its reference: its review's municipal
    year (from the date the review reported; not recorded, the date its response was agreed,
    or else its first update report's "as at") and its number among the authority's
    recommendations of that year, in the order the reviews reported, in the authority's
    pattern; a lettered part is its parent's reference and its letter ("SR (25/26) 02a").
    One query, of every recommendation of the authorities, so that a number does not depend
    on the filter."""
    first_report = (
        UpdateReport.objects.filter(review=OuterRef("review_id"), as_at__isnull=False)
        .order_by("as_at")
        .values("as_at")[:1]
    )
    rows = (
        Recommendation.objects.filter(review__committee__authority_id__in=list(authorities))
        .annotate(
            review_date=Coalesce(
                "review__reported_on",
                "review__response_agreed_on",
                Subquery(first_report),
                output_field=DateField(),
            )
        )
        .order_by(F("review_date").asc(nulls_last=True), "review_id", "order", "id")
        .values_list("pk", "parent_id", "label", "review_date", "review__committee__authority_id")
    )
    counters: dict[tuple[int, str], int] = {}
    references: dict[int, str] = {}
    parents: dict[int, str] = {}
    pending_parts = []
    for pk, parent_id, label, reported_on, authority_id in rows:
        if parent_id is not None:
            pending_parts.append((pk, parent_id, label))
            continue
        authority = authorities[authority_id]
        year = authority.municipal_year(reported_on)
        counters[(authority_id, year)] = number = counters.get((authority_id, year), 0) + 1
        references[pk] = authority.reference(year=year, number=number, label=label)
        parents[pk] = label
    for pk, parent_id, label in pending_parts:
        parent_label = parents.get(parent_id, "")
        suffix = (
            label[len(parent_label) :] if parent_label and label.startswith(parent_label) else label
        )
        references[pk] = f"{references.get(parent_id, '')}{suffix}"
    return references
