from django.urls import path

from reports.public import feeds, views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("reviews/<slug:slug>/", views.review, name="review"),
    path("reviews/<slug:slug>/appendix/", views.appendix, name="appendix"),
    path("reviews/<slug:slug>/appendix.csv", views.appendix_csv, name="appendix_csv"),
    path("reviews/<slug:slug>/appendix.pdf", views.appendix_pdf, name="appendix_pdf"),
    path(
        "reviews/<slug:slug>/appendix/pdf/",
        views.appendix_pdf_progress,
        name="appendix_pdf_progress",
    ),
    path("reviews/<slug:slug>/feed/", feeds.review_feed, name="review_feed"),
    path("authorities/<slug:slug>/feed/", feeds.authority_feed, name="authority_feed"),
    path("meetings/<id:pk>/pack.pdf", views.meeting_pack, name="meeting_pack"),
]
