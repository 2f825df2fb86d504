from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<slug:slug>/", views.review_detail, name="review_detail"),
    path(
        "reviews/<slug:slug>/recommendations/<str:label>/",
        views.recommendation_detail,
        name="recommendation_detail",
    ),
]
