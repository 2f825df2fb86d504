"""Papers as published. The papers came before the tracker and are recorded as they were
printed: every rule holds (own committee, labels, parts, text bounds, full_clean, a final
report's lock) except the departures ``rules.PUBLISHED_DEPARTURES`` names, which are recorded
with their marker. Load a monitoring round as it happened: ``update_report_create``, its
updates, then ``update_report_finalise`` if the paper is final. Many rows at once: ``bulk``."""

from __future__ import annotations

from django.db import transaction

from recommendations import rules, selectors
from recommendations.models import ProgressUpdate, Recommendation, UpdateReport
from recommendations.services._common import User, _attribute_to, _progress_update_add, _validate
from recommendations.services.update_reports import update_report_finalise


@transaction.atomic
def record_published_recommendation(
    *, recommendation: Recommendation, user: User = None
) -> Recommendation:
    """``recommendation_create`` for a paper: the paper's order is kept (its numbering runs on
    through lettered parts), and no response is started, since the paper prints the one it
    has (record it with ``response_save``); a recommendation split into parts has none of its
    own."""
    _validate(recommendation, rules.recommendation_errors)
    _attribute_to(recommendation, user)
    recommendation.save()
    return recommendation


@transaction.atomic
def record_published_update(*, update: ProgressUpdate, user: User = None) -> ProgressUpdate:
    """``progress_update_create`` for a paper: a departure in ``rules.PUBLISHED_DEPARTURES``
    (a target date changed without a stated reason) is recorded with its marker."""
    return _progress_update_add(update=update, user=user, as_published=True)


@transaction.atomic
def record_published_finalise(
    *, report: UpdateReport, gaps_reason: str = "", user: User = None
) -> UpdateReport:
    """``update_report_finalise`` for a paper that was final: recommendations it printed no
    update for are a departure in ``rules.PUBLISHED_DEPARTURES`` when the paper gives no
    reason (recorded with its marker)."""
    stored = UpdateReport.objects.get(pk=report.pk)
    if not gaps_reason.strip() and selectors.round_gaps(stored):
        gaps_reason = rules.PUBLISHED_DEPARTURES["finalised_with_gaps_reason"].marker
    return update_report_finalise(
        report=stored, expected_version=stored.version, user=user, gaps_reason=gaps_reason
    )
