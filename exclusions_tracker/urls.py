from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from exclusions_tracker.converters import IdConverter
from exclusions_tracker.views import healthz
from recommendations.views.requests import LeadInvitationDoneView, LeadInvitationView

# Before the apps' URLs are included, which use it.
register_converter(IdConverter, "id")

# Accounts are made by an administrator, who also resets forgotten passwords (the locked-out
# page says so), so Django's self-service password reset views are not routed: they would
# email reset links and tell a stranger, by timing at least, which addresses have an account.
# Signed-in users can still change their own password. Leads set their first password from the
# one-time link in their invitation (recommendations.update_requests).
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # A lead's invitation: Django's password-reset confirmation with its one-time token, the
    # only route to it (the link is emailed with an update request, never asked for).
    path("invitation/<uidb64>/<token>/", LeadInvitationView.as_view(), name="lead_invitation"),
    path("invitation/done/", LeadInvitationDoneView.as_view(), name="lead_invitation_done"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    # Published reviews, for anyone, without signing in (reports.public).
    path("public/", include("reports.public.urls")),
    # The read-only JSON API, its schema and docs (reports.api; README "API").
    path("api/v1/", include("reports.api.urls")),
    # The officers' "reviews/new/" before reports' review page, "reviews/<slug>/".
    path("", include("recommendations.urls")),
    path("", include("reports.urls")),
]

handler500 = "exclusions_tracker.views.server_error"
