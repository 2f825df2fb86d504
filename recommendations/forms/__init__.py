"""Forms validate; services write. Messages follow the GOV.UK style: say what to do.

Forms check the domain's rules early, for feedback beside each field, through the same functions
the services call (``rules``); the services check them again and are the authority.

One module per family, named as ``views``' modules (a view module's forms are in the module of
its name); every form is also here, as ``forms.ReviewForm``:

- ``common``: what the others build on: the date and Markdown validators, ``VersionedForm``
  and what a conflicting edit changed (``conflict_changes``), the people a review's forms
  offer, ``ConfirmDeleteForm``
- ``reviews``: ``ReviewForm`` (with committees and people added on the spot),
  ``PublishReviewForm``, ``AuthorityChoiceForm``
- ``recommendations``: ``RecommendationForm``, ``ResponseForm``, the overdue label, priority,
  closing and reopening
- ``leads``: ``LeadForm``
- ``updates``: ``ProgressUpdateForm``
- ``rounds``: ``RoundForm`` and ``RoundRowForm`` (the round page)
- ``reports``: update reports: ``UpdateReportForm``, ``FinaliseReportForm``,
  ``ReopenReportForm``
- ``meetings``: ``MeetingForm``
- ``verdicts``: ``VerdictForm`` (the committee's view of an update)
- ``documents``: ``SupportingDocumentForm``
- ``people``: ``AuthorityForm``, ``PersonForm``, ``MergeForm``
- ``requests``: update requests: ``RequestedUpdateForm`` (the lead's), sending, accepting,
  returning
- ``importing``: ``ImportUploadForm``
- ``tokens``: ``ApiTokenForm``
"""

from recommendations.forms.common import (
    EARLIEST_DATE,
    LATEST_DATE,
    OUT_OF_DATE,
    ConfirmDeleteForm,
    DateInput,
    FieldChange,
    SensibleDatesForm,
    VersionedForm,
    conflict_changes,
    validate_markdown_text,
    validate_sensible_date,
)
from recommendations.forms.documents import SupportingDocumentForm
from recommendations.forms.importing import ImportUploadForm
from recommendations.forms.leads import LeadForm
from recommendations.forms.meetings import MeetingForm
from recommendations.forms.people import MONTH_CHOICES, AuthorityForm, MergeForm, PersonForm
from recommendations.forms.recommendations import (
    CloseRecommendationForm,
    OverdueOverrideForm,
    PriorityForm,
    RecommendationForm,
    RemovePriorityForm,
    ReopenRecommendationForm,
    ResponseForm,
)
from recommendations.forms.reports import FinaliseReportForm, ReopenReportForm, UpdateReportForm
from recommendations.forms.requests import (
    AcceptUpdateForm,
    RequestedUpdateForm,
    ReturnUpdateForm,
    UpdateRequestSendForm,
)
from recommendations.forms.reviews import (
    NOT_LISTED,
    RESERVED_SLUGS,
    AuthorityChoiceForm,
    PublishReviewForm,
    ReviewForm,
)
from recommendations.forms.rounds import RoundForm, RoundRowForm
from recommendations.forms.tokens import ApiTokenForm
from recommendations.forms.updates import ProgressUpdateForm
from recommendations.forms.verdicts import VERDICT_CHOICES, VerdictForm

__all__ = [
    "EARLIEST_DATE", "LATEST_DATE", "OUT_OF_DATE", "ConfirmDeleteForm", "DateInput",
    "FieldChange", "SensibleDatesForm", "VersionedForm", "conflict_changes",
    "validate_markdown_text", "validate_sensible_date",
    "NOT_LISTED", "RESERVED_SLUGS", "AuthorityChoiceForm", "PublishReviewForm", "ReviewForm",
    "CloseRecommendationForm", "OverdueOverrideForm", "PriorityForm", "RecommendationForm",
    "RemovePriorityForm", "ReopenRecommendationForm", "ResponseForm",
    "LeadForm",
    "ProgressUpdateForm",
    "RoundForm", "RoundRowForm",
    "FinaliseReportForm", "ReopenReportForm", "UpdateReportForm",
    "MeetingForm",
    "VERDICT_CHOICES", "VerdictForm",
    "SupportingDocumentForm",
    "MONTH_CHOICES", "AuthorityForm", "MergeForm", "PersonForm",
    "AcceptUpdateForm", "RequestedUpdateForm", "ReturnUpdateForm", "UpdateRequestSendForm",
    "ImportUploadForm",
    "ApiTokenForm",
]  # fmt: skip
