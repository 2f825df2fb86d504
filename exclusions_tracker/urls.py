from django.contrib import admin
from django.urls import include, path

from exclusions_tracker.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("reports.urls")),
    path("", include("recommendations.urls")),
]

handler500 = "exclusions_tracker.views.server_error"
