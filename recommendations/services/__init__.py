"""Writes. Each service is one transaction, and every save goes through ``Model.save()`` so that
django-simple-history records who changed what (it does not see queryset updates or bulk writes).

Every write route (the pages, the admin, commands) goes through here, so the domain's rules
(``rules``) are checked here: a broken rule is a ``ValidationError`` keyed by the model's field,
raised before anything is written. Views put those messages back on their forms.

Papers published before the tracker (the demo data, generated scale data, an imported table)
are recorded through the ``record_published_*`` services (``published``, ``bulk``): the same
rules, except the few departures from today's process that ``rules.PUBLISHED_DEPARTURES`` names,
which are recorded with a marker instead of refused.

One module per family; callers use the names imported here (``services.review_create``):

- ``reviews``: reviews (and what their form adds on the spot), publishing, deleting
- ``recommendations``: recommendations, their responses, the overdue label, priority, closing
  and reopening
- ``leads``: a recommendation's leads
- ``updates``: progress updates one at a time, and corrections
- ``rounds``: a monitoring round's rows saved together
- ``update_reports``: update reports: create, details, finalise, reopen
- ``meetings``, ``verdicts``: committee meetings; the committee's view of each update
- ``documents``: supporting documents attached and removed
- ``people``: authorities, committees and people; finding who was typed in; merging duplicates
- ``reference``: the loaders' reference data (get or create), glossaries, document versions
- ``update_requests``: leads writing their own updates, and the officer's decision
- ``reminders``: what the reminders command records
- ``tokens``: API tokens
- ``importing``, ``imported_rows``: an imported table saved; its rows, result and refusal
- ``published``, ``bulk``: papers as published, a row at a time or thousands at once
- ``standings``: where each recommendation stands, kept by every write of an update
- ``errors``: the refusals (``EditConflict``, ``RecordLocked``, ...) and their messages
- ``_common``: what the modules share: checks, locking, history, batches

A test that patches a service patches it where it is looked up: here for what the views, the
admin and the commands call (``services.progress_update_create``), in the calling module for
one service calling another (``services.importing._import_new_review``).
"""

from recommendations.services._common import (
    SLUG_MAX,
    User,
    unique_slug,
)
from recommendations.services.bulk import (
    record_published_finalise_in_bulk,
    record_published_in_bulk,
    record_published_meetings_in_bulk,
)
from recommendations.services.documents import (
    attach_document,
    remove_document,
)
from recommendations.services.errors import (
    CONFLICT_MESSAGE,
    LOCKED_MESSAGE,
    REPORT_DETAILS_FINAL_MESSAGE,
    REPORT_FINAL_MESSAGE,
    AlreadyClosed,
    EditConflict,
    GapsChanged,
    NotClosed,
    RecordLocked,
    ReportIsFinal,
    ReportNotFinal,
    RowRefused,
)
from recommendations.services.imported_rows import (
    ImportedLead,
    ImportedRow,
    ImportRefused,
    ImportResult,
)
from recommendations.services.importing import (
    import_table,
    import_table_at_meeting,
    table_imported,
)
from recommendations.services.leads import (
    lead_add,
    lead_move,
    lead_remove,
    lead_update,
)
from recommendations.services.meetings import (
    meeting_create,
    meeting_set_reviews,
    meeting_update,
)
from recommendations.services.people import (
    MergeResult,
    authority_create,
    authority_find_or_create,
    authority_update,
    committee_create,
    committee_find_or_create,
    merge_people,
    people_find_or_create_in_bulk,
    person_create,
    person_find_or_create,
    person_get_or_create,
    person_update,
)
from recommendations.services.published import (
    record_published_finalise,
    record_published_recommendation,
    record_published_update,
)
from recommendations.services.recommendations import (
    recommendation_close,
    recommendation_create,
    recommendation_move,
    recommendation_reopen,
    recommendation_set_overdue_override,
    recommendation_set_priority,
    recommendation_update,
    response_save,
)
from recommendations.services.reference import (
    authority_get_or_create,
    committee_get_or_create,
    document_version_create,
    glossary_term_set,
)
from recommendations.services.reminders import (
    reminder_sent_record,
    update_request_record_reminder,
)
from recommendations.services.reviews import (
    AddedOnTheSpot,
    review_create,
    review_delete,
    review_publish,
    review_unpublish,
    review_update,
)
from recommendations.services.rounds import (
    RoundEntry,
    RoundRefused,
    update_report_save_updates,
)
from recommendations.services.standings import (
    standing_refresh,
)
from recommendations.services.tokens import (
    API_TOKEN_PREFIX,
    api_token_create,
    api_token_revoke,
)
from recommendations.services.update_reports import (
    FINALISE_FIELDS,
    update_report_create,
    update_report_finalise,
    update_report_reopen,
    update_report_update,
)
from recommendations.services.update_requests import (
    REQUESTED_UPDATE_SUBMITTED,
    lead_account_create,
    person_link_account,
    requested_update_accept,
    requested_update_return,
    requested_update_save,
    update_requests_record,
)
from recommendations.services.updates import (
    progress_update_correct,
    progress_update_create,
    progress_update_delete,
    progress_update_edit,
)
from recommendations.services.verdicts import (
    VerdictEntry,
    VerdictsRefused,
    committee_verdict_remove,
    committee_verdict_save,
    meeting_save_verdicts,
)

__all__ = [
    "AddedOnTheSpot", "review_create", "review_update", "review_publish", "review_unpublish",
    "review_delete",
    "recommendation_create", "recommendation_update", "recommendation_move", "response_save",
    "recommendation_set_overdue_override", "recommendation_set_priority", "recommendation_close",
    "recommendation_reopen",
    "lead_add", "lead_update", "lead_remove", "lead_move",
    "progress_update_create", "progress_update_edit", "progress_update_delete",
    "progress_update_correct",
    "RoundEntry", "RoundRefused", "update_report_save_updates",
    "FINALISE_FIELDS", "update_report_create", "update_report_update", "update_report_finalise",
    "update_report_reopen",
    "meeting_create", "meeting_update", "meeting_set_reviews",
    "committee_verdict_save", "committee_verdict_remove", "VerdictEntry", "VerdictsRefused",
    "meeting_save_verdicts",
    "attach_document", "remove_document",
    "authority_create", "authority_update", "authority_find_or_create", "committee_create",
    "committee_find_or_create", "person_create", "person_update", "person_find_or_create",
    "person_get_or_create", "people_find_or_create_in_bulk", "MergeResult", "merge_people",
    "authority_get_or_create", "committee_get_or_create", "glossary_term_set",
    "document_version_create",
    "person_link_account", "lead_account_create", "update_requests_record",
    "REQUESTED_UPDATE_SUBMITTED", "requested_update_save", "requested_update_accept",
    "requested_update_return",
    "reminder_sent_record", "update_request_record_reminder",
    "API_TOKEN_PREFIX", "api_token_create", "api_token_revoke",
    "table_imported", "import_table", "import_table_at_meeting",
    "ImportedLead", "ImportedRow", "ImportResult", "ImportRefused",
    "record_published_recommendation", "record_published_update", "record_published_finalise",
    "record_published_finalise_in_bulk", "record_published_in_bulk",
    "record_published_meetings_in_bulk",
    "standing_refresh",
    "CONFLICT_MESSAGE", "LOCKED_MESSAGE", "EditConflict", "REPORT_FINAL_MESSAGE",
    "REPORT_DETAILS_FINAL_MESSAGE", "ReportIsFinal", "ReportNotFinal", "GapsChanged",
    "RecordLocked", "NotClosed", "AlreadyClosed", "RowRefused",
    "User", "SLUG_MAX", "unique_slug",
]  # fmt: skip
