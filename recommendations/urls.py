from django.urls import path, register_converter
from django.urls.converters import StringConverter

from recommendations import views


class LabelConverter(StringConverter):
    """A recommendation's label: anything but a slash, and no NUL, which PostgreSQL refuses in
    a query (a DataError, so a 500) and no label can hold: such an address is a 404."""

    regex = "[^/\\x00]+"


register_converter(LabelConverter, "label")

app_name = "recommendations"

REC = "reviews/<slug:slug>/recommendations/<label:label>/"

urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<id:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    # Included before reports' "reviews/<slug>/" (the review page), which would otherwise take
    # "new" as a slug (the form refuses it).
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/import/", views.import_upload, name="import_upload"),
    path("reviews/import/<str:token>/", views.import_preview, name="import_preview"),
    path("reviews/<slug:slug>/edit/", views.review_edit, name="review_edit"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/new/", views.authority_create, name="authority_create"),
    path("authorities/<slug:slug>/settings/", views.authority_settings, name="authority_settings"),
    path("authorities/<slug:slug>/people/", views.people_list, name="people_list"),
    path("authorities/<slug:slug>/people/new/", views.person_create, name="person_create"),
    path("authorities/<slug:slug>/people/<id:pk>/edit/", views.person_edit, name="person_edit"),
    path("authorities/<slug:slug>/people/<id:pk>/merge/", views.person_merge, name="person_merge"),
    path("reviews/<slug:slug>/reorder/", views.review_reorder, name="review_reorder"),
    path("reviews/<slug:slug>/publication/", views.review_publication, name="review_publication"),
    path(
        "reviews/<slug:slug>/add-recommendation/",
        views.recommendation_create,
        name="recommendation_create",
    ),
    path(
        "reviews/<slug:slug>/update-reports/new/",
        views.update_report_create,
        name="update_report_create",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/",
        views.update_report_detail,
        name="update_report_detail",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/edit/",
        views.update_report_edit,
        name="update_report_edit",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/enter/",
        views.update_report_enter,
        name="update_report_enter",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/finalise/",
        views.update_report_finalise,
        name="update_report_finalise",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/reopen/",
        views.update_report_reopen,
        name="update_report_reopen",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/requests/",
        views.update_report_requests,
        name="update_report_requests",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/requests/<id:answer_pk>/",
        views.requested_update_review,
        name="requested_update_review",
    ),
    path("my-updates/", views.my_updates, name="my_updates"),
    path("update-requests/<id:pk>/", views.update_request, name="update_request"),
    path(
        "update-requests/<id:pk>/recommendations/<id:rec_pk>/documents/new/",
        views.requested_update_document,
        name="requested_update_document",
    ),
    path(
        "reviews/<slug:slug>/documents/new/",
        views.document_attach_review,
        name="document_attach_review",
    ),
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/documents/new/",
        views.document_attach_report,
        name="document_attach_report",
    ),
    path("reviews/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("reviews/<slug:slug>/meetings/<id:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<id:pk>/", views.meeting_detail, name="meeting_detail"),
    path(
        "meetings/<id:pk>/documents/new/",
        views.document_attach_meeting,
        name="document_attach_meeting",
    ),
    path("documents/<id:pk>/", views.document_download, name="document_download"),
    path("documents/<id:pk>/remove/", views.document_remove, name="document_remove"),
    path("meetings/<id:pk>/verdicts/", views.meeting_verdicts, name="meeting_verdicts"),
    path(REC, views.recommendation_detail, name="recommendation_detail"),
    path(REC + "edit/", views.recommendation_edit, name="recommendation_edit"),
    path(REC + "move/", views.recommendation_move, name="recommendation_move"),
    path(REC + "overdue/", views.recommendation_overdue, name="recommendation_overdue"),
    path(REC + "priority/", views.recommendation_priority, name="recommendation_priority"),
    path(
        REC + "priority/remove/",
        views.recommendation_priority_remove,
        name="recommendation_priority_remove",
    ),
    path(REC + "close/", views.recommendation_close, name="recommendation_close"),
    path(REC + "reopen/", views.recommendation_reopen, name="recommendation_reopen"),
    path(REC + "response/", views.response_edit, name="response_edit"),
    path(REC + "leads/", views.lead_list, name="lead_list"),
    path(REC + "leads/<id:pk>/edit/", views.lead_edit, name="lead_edit"),
    path(REC + "leads/<id:pk>/remove/", views.lead_remove, name="lead_remove"),
    path(REC + "leads/<id:pk>/move/", views.lead_move, name="lead_move"),
    path(REC + "updates/new/", views.progress_update_create, name="progress_update_create"),
    path(REC + "updates/<id:pk>/edit/", views.progress_update_edit, name="progress_update_edit"),
    path(
        REC + "updates/<id:pk>/delete/",
        views.progress_update_delete,
        name="progress_update_delete",
    ),
    path(
        REC + "updates/<id:pk>/documents/new/",
        views.document_attach_update,
        name="document_attach_update",
    ),
    path(
        REC + "updates/<id:pk>/correct/",
        views.progress_update_correct,
        name="progress_update_correct",
    ),
]
