from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from reports.api import views

app_name = "api"


class Router(DefaultRouter):
    def get_api_root_view(self, api_urls=None):
        return login_not_required(super().get_api_root_view(api_urls))


router = Router()
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("committees", views.CommitteeViewSet, basename="committee")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("updates", views.UpdateViewSet, basename="update")
router.register("reports", views.ReportViewSet, basename="report")
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's files, with its script served apart from the
    # page (the split view): the Content-Security-Policy allows no inline script or style.
    path(
        "docs/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="reports/api/swagger_ui.html"
            )
        ),
        name="docs",
    ),
    *router.urls,
]
