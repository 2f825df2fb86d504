"""A new page or form must join the fuzz tests: this lists every URL name they cover."""

from django.urls import get_resolver

from tests.fuzz.test_forms import CASES

FORMS = {case.name for case in CASES} | {
    "lead_list",  # lead_add
    "recommendation_edit",  # also recommendation_edit_part
    "update_report_enter",  # test_round_entry
    # test_documents: multipart posts with any title, description and file
    "document_attach_review", "document_attach_report", "document_attach_update",
    "document_attach_meeting",
    "meeting_verdicts",  # test_verdicts
    # test_update_requests
    "update_request", "update_report_requests", "requested_update_review",
    "requested_update_document",
    "import_upload", "import_preview",  # test_importing
    "api_tokens",  # test_api
}  # fmt: skip
ACTIONS = {
    "recommendation_move", "lead_move", "lead_remove", "progress_update_delete",
    "meeting_pack_render", "meeting_pack_issue",
    "document_remove",  # test_documents
    # tests/recommendations/test_review_publication.py: posts without the page's form
    "review_publication",
    "api_token_revoke",  # test_api
    # tests/recommendations/test_priority.py: bad removal posts
    "recommendation_priority_remove",
}  # fmt: skip
READING = {
    "home", "review_list", "label_meanings", "review_detail", "review_changes",
    "review_reorder", "update_report_detail", "recommendation_detail",
    "appendix", "appendix_csv", "appendix_xlsx", "appendix_pdf", "recommendation_list",
    "appendix_pdf_progress",  # test_query_strings
    "meeting_pack_pdf", "meeting_pack", "meeting_pack_download", "authority_list", "people_list",
    "meeting_detail",  # test_query_strings
    "document_download",  # test_documents
    "my_updates",  # a lead's page; no query string is read (tests/recommendations)
    "appendix_docx", "meeting_pack_docx",  # test_query_strings
    "tracker", "tracker_csv", "tracker_xlsx", "tracker_docx", "tracker_pdf",  # test_query_strings
    "tracker_pdf_progress",  # test_query_strings
    "annual_report", "annual_report_xlsx", "annual_report_docx",  # test_query_strings
    "annual_report_pdf",  # test_query_strings
}  # fmt: skip


def test_every_page_and_form_is_covered():
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in {"recommendations", "reports"}:
            names |= {p.name for p in pattern.url_patterns}
    missing = names - FORMS - ACTIONS - READING - {"lead_add"}
    assert not missing, f"add these to tests/fuzz (forms: test_forms.CASES): {sorted(missing)}"
