"""What people read, one module per family: the dashboard and the labels' meanings, a
review's page and what changed in it, appendix pages and their exports, the cross-review
table, committee packs.

Who may do what: anyone with a role (``view_review``: members, clerks, officers) reads the
appendix and the table; exports and packs need ``export_review`` (clerks and officers); the
appendix layout needs ``change_review`` (officers). The checks are ``recommendations.access``'s.
``urls.py`` reaches every view through this package.
"""

from reports.views.annual import (
    annual_report,
    annual_report_docx,
    annual_report_pdf,
    annual_report_xlsx,
)
from reports.views.appendix import (
    appendix,
    appendix_csv,
    appendix_docx,
    appendix_pdf,
    appendix_pdf_progress,
    appendix_settings,
    appendix_xlsx,
    report_appendix_settings,
)
from reports.views.changes import review_changes
from reports.views.dashboard import home, label_meanings
from reports.views.packs import (
    meeting_pack,
    meeting_pack_docx,
    meeting_pack_download,
    meeting_pack_issue,
    meeting_pack_pdf,
    meeting_pack_render,
)
from reports.views.recommendations import RecommendationListView
from reports.views.reviews import review_detail
from reports.views.trackers import (
    tracker,
    tracker_csv,
    tracker_docx,
    tracker_pdf,
    tracker_pdf_progress,
    tracker_xlsx,
)

__all__ = [
    "home", "label_meanings",
    "annual_report", "annual_report_xlsx", "annual_report_docx", "annual_report_pdf",
    "review_detail", "review_changes",
    "appendix", "appendix_csv", "appendix_xlsx", "appendix_docx", "appendix_pdf",
    "appendix_pdf_progress",
    "appendix_settings", "report_appendix_settings",
    "RecommendationListView",
    "tracker", "tracker_csv", "tracker_xlsx", "tracker_docx", "tracker_pdf",
    "tracker_pdf_progress",
    "meeting_pack_pdf", "meeting_pack", "meeting_pack_render", "meeting_pack_download",
    "meeting_pack_issue", "meeting_pack_docx",
]  # fmt: skip
