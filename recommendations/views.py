from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from recommendations import selectors


def home(request: HttpRequest) -> HttpResponse:
    return redirect("recommendations:review_list")


def review_list(request: HttpRequest) -> HttpResponse:
    return render(request, "recommendations/review_list.html", {"reviews": selectors.review_list()})


def review_detail(request: HttpRequest, slug: str) -> HttpResponse:
    review, recommendations = selectors.review_with_recommendations(slug)
    return render(
        request,
        "recommendations/review_detail.html",
        {"review": review, "recommendations": recommendations},
    )


def recommendation_detail(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    recommendation = selectors.recommendation_detail(slug, label)
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {"review": recommendation.review, "recommendation": recommendation},
    )
