"""Reads with joins. Each returns everything its page needs in a fixed number of queries.

One module per family, named as ``views``' modules; every name is also here, and callers use
it from here (``selectors.review_list``), so that is where a test patches it:

- ``common``: the prefetches of a recommendation's latest update, leads and documents; a
  record's values as an editor loaded them (``version_as_loaded``)
- ``reviews``: ``review_list``, ``review_with_recommendations`` (parts under their parents)
- ``recommendations``: ``recommendation_detail``, ``target_date_history``
- ``timeline``: a recommendation's history in the tracker (``recommendation_timeline``) and
  its story by the papers' dates (``recommendation_record``)
- ``leads``: ``other_leads``
- ``updates``: ``update_deletion``
- ``rounds``: the rows of a monitoring round (``round_rows``), those without an update
  (``round_gaps``, ``round_gaps_by_report``), ``open_round``
- ``reports``: an update report's entries and its finalising and reopening
- ``meetings``: ``meeting_detail``
- ``verdicts``: ``meeting_verdict_groups`` (the updates a meeting considered)
- ``requests``: each lead's share of a round (``leads_of_round``), ``rows_for_request``
"""

from recommendations.selectors.common import (
    documents_prefetch,
    latest_update_ids,
    latest_update_prefetch,
    leads_prefetch,
    version_as_loaded,
)
from recommendations.selectors.leads import other_leads
from recommendations.selectors.meetings import meeting_detail
from recommendations.selectors.recommendations import (
    TargetChange,
    recommendation_detail,
    target_date_history,
)
from recommendations.selectors.reports import (
    ReportEntry,
    ReportEvent,
    report_entries,
    report_events,
)
from recommendations.selectors.requests import LeadRows, leads_of_round, rows_for_request
from recommendations.selectors.reviews import nest_parts, review_list, review_with_recommendations
from recommendations.selectors.rounds import (
    RoundRow,
    open_round,
    round_gaps,
    round_gaps_by_report,
    round_rows,
)
from recommendations.selectors.timeline import (
    RecordEvent,
    TimelineEvent,
    recommendation_record,
    recommendation_timeline,
)
from recommendations.selectors.updates import UpdateDeletion, update_deletion
from recommendations.selectors.verdicts import VerdictGroup, VerdictRow, meeting_verdict_groups

__all__ = [
    "documents_prefetch", "latest_update_ids", "latest_update_prefetch", "leads_prefetch",
    "version_as_loaded",
    "nest_parts", "review_list", "review_with_recommendations",
    "TargetChange", "recommendation_detail", "target_date_history",
    "RecordEvent", "TimelineEvent", "recommendation_record", "recommendation_timeline",
    "other_leads",
    "UpdateDeletion", "update_deletion",
    "RoundRow", "open_round", "round_gaps", "round_gaps_by_report", "round_rows",
    "ReportEntry", "ReportEvent", "report_entries", "report_events",
    "meeting_detail",
    "VerdictGroup", "VerdictRow", "meeting_verdict_groups",
    "LeadRows", "leads_of_round", "rows_for_request",
]  # fmt: skip
