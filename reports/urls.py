from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("labels/", views.label_meanings, name="label_meanings"),
    # After recommendations' "reviews/new/" (the root URLconf includes that app first).
    path("reviews/<slug:slug>/", views.review_detail, name="review_detail"),
    path("reviews/<slug:slug>/changes/", views.review_changes, name="review_changes"),
    path("reviews/<slug:slug>/appendix/", views.appendix, name="appendix"),
    path("reviews/<slug:slug>/appendix.csv", views.appendix_csv, name="appendix_csv"),
    path("reviews/<slug:slug>/appendix.xlsx", views.appendix_xlsx, name="appendix_xlsx"),
    path("reviews/<slug:slug>/appendix.docx", views.appendix_docx, name="appendix_docx"),
    path("reviews/<slug:slug>/appendix.pdf", views.appendix_pdf, name="appendix_pdf"),
    path(
        "reviews/<slug:slug>/appendix/pdf/",
        views.appendix_pdf_progress,
        name="appendix_pdf_progress",
    ),
    path(
        "reviews/<slug:slug>/appendix/settings/",
        views.appendix_settings,
        name="appendix_settings",
    ),
    # After recommendations' "reviews/<slug>/update-reports/<id>/…" pages.
    path(
        "reviews/<slug:slug>/update-reports/<id:pk>/appendix-layout/",
        views.report_appendix_settings,
        name="report_appendix_settings",
    ),
    path("recommendations/", views.RecommendationListView.as_view(), name="recommendation_list"),
    path("annual/", views.annual_report, name="annual_report"),
    path("annual/report.xlsx", views.annual_report_xlsx, name="annual_report_xlsx"),
    path("annual/report.docx", views.annual_report_docx, name="annual_report_docx"),
    path("annual/report.pdf", views.annual_report_pdf, name="annual_report_pdf"),
    path("trackers/", views.tracker, name="tracker"),
    path("trackers/tracker.csv", views.tracker_csv, name="tracker_csv"),
    path("trackers/tracker.xlsx", views.tracker_xlsx, name="tracker_xlsx"),
    path("trackers/tracker.docx", views.tracker_docx, name="tracker_docx"),
    path("trackers/tracker.pdf", views.tracker_pdf, name="tracker_pdf"),
    path("trackers/pdf/", views.tracker_pdf_progress, name="tracker_pdf_progress"),
    path("meetings/<id:pk>/pack.pdf", views.meeting_pack_pdf, name="meeting_pack_pdf"),
    path("meetings/<id:pk>/pack.docx", views.meeting_pack_docx, name="meeting_pack_docx"),
    path("meetings/<id:pk>/pack/", views.meeting_pack, name="meeting_pack"),
    path("meetings/<id:pk>/pack/render/", views.meeting_pack_render, name="meeting_pack_render"),
    path("meetings/<id:pk>/pack/issue/", views.meeting_pack_issue, name="meeting_pack_issue"),
    path(
        "meetings/<id:pk>/pack/<id:render_id>.pdf",
        views.meeting_pack_download,
        name="meeting_pack_download",
    ),
]
