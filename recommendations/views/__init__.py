"""The officers' editing pages and the review list, one module per family (the reading pages,
dashboard, review page and what changed, are ``reports.views``').

Every editing view names the model permission it needs and answers 403 without it; login
itself is enforced for every page by ``LoginRequiredMiddleware``. Views validate with a form
and write through ``services``. ``urls.py`` reaches every view through this package.
"""

from recommendations.views.documents import (
    document_attach_meeting,
    document_attach_report,
    document_attach_review,
    document_attach_update,
    document_download,
    document_remove,
)
from recommendations.views.importing import import_preview, import_upload
from recommendations.views.leads import lead_edit, lead_list, lead_move, lead_remove
from recommendations.views.meetings import meeting_create, meeting_detail, meeting_edit
from recommendations.views.people import (
    authority_create,
    authority_list,
    authority_settings,
    people_list,
    person_create,
    person_edit,
    person_merge,
)
from recommendations.views.recommendations import (
    recommendation_close,
    recommendation_create,
    recommendation_detail,
    recommendation_edit,
    recommendation_move,
    recommendation_overdue,
    recommendation_priority,
    recommendation_priority_remove,
    recommendation_reopen,
    response_edit,
)
from recommendations.views.reports import (
    update_report_create,
    update_report_detail,
    update_report_edit,
    update_report_finalise,
    update_report_reopen,
)
from recommendations.views.requests import (
    my_updates,
    requested_update_document,
    requested_update_review,
    update_report_requests,
    update_request,
)
from recommendations.views.reviews import (
    review_create,
    review_edit,
    review_list,
    review_publication,
    review_reorder,
)
from recommendations.views.rounds import update_report_enter
from recommendations.views.tokens import api_token_revoke, api_tokens
from recommendations.views.updates import (
    progress_update_correct,
    progress_update_create,
    progress_update_delete,
    progress_update_edit,
)
from recommendations.views.verdicts import meeting_verdicts

__all__ = [
    "review_list", "review_create", "review_edit", "review_reorder", "review_publication",
    "recommendation_detail", "recommendation_create", "recommendation_edit",
    "recommendation_overdue", "recommendation_close", "recommendation_reopen",
    "recommendation_priority", "recommendation_priority_remove",
    "recommendation_move", "response_edit",
    "lead_list", "lead_edit", "lead_remove", "lead_move",
    "progress_update_create", "progress_update_edit", "progress_update_delete",
    "progress_update_correct",
    "update_report_detail", "update_report_create", "update_report_edit",
    "update_report_finalise", "update_report_reopen", "update_report_enter",
    "meeting_create", "meeting_edit", "meeting_detail", "meeting_verdicts",
    "document_attach_review", "document_attach_report", "document_attach_update",
    "document_attach_meeting", "document_remove", "document_download",
    "authority_list", "authority_create", "authority_settings",
    "people_list", "person_create", "person_edit", "person_merge",
    "my_updates", "update_request", "requested_update_document", "update_report_requests",
    "requested_update_review",
    "import_upload", "import_preview",
    "api_tokens", "api_token_revoke",
]  # fmt: skip
