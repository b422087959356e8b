"""URLs. The Django admin is deliberately not mounted: it would bypass the access rule, and
administrators have their own screens that see no case data (docs/access.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("agencies.urls")),
    path("", include("cases.urls")),
    path("", include("indicators.urls")),
    path("", include("referrals.urls")),
    path("", include("reports.urls")),
    path("", include("meetings.urls")),
    path("", include("interventions.urls")),
    path("", include("restrictions.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
