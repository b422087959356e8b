from django.urls import path

from cases.views import case

app_name = "cases"

urlpatterns = [
    path("cases/<uuid:public_id>/", case.case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/history/", case.case_history, name="case-history"),
    path("cases/<uuid:public_id>/share/", case.case_share, name="case-share"),
    path(
        "cases/<uuid:public_id>/shares/<uuid:agency_id>/withdraw/",
        case.case_unshare,
        name="case-unshare",
    ),
]
