from django.urls import path

from interventions.views import administration, records, support

app_name = "interventions"

urlpatterns = [
    path("flags/due/", records.flags_due, name="flags-due"),
    path(
        "people/<uuid:public_id>/flags/new/",
        records.flag_new,
        {"kind": "people"},
        name="person-flag-new",
    ),
    path(
        "locations/<uuid:public_id>/flags/new/",
        records.flag_new,
        {"kind": "locations"},
        name="location-flag-new",
    ),
    path("flags/<uuid:public_id>/review/", records.flag_review, name="flag-review"),
    path("flags/<uuid:public_id>/remove/", records.flag_remove, name="flag-remove"),
    path(
        "people/<uuid:public_id>/disruption/new/",
        records.disruption_new,
        {"kind": "people"},
        name="person-disruption-new",
    ),
    path(
        "locations/<uuid:public_id>/disruption/new/",
        records.disruption_new,
        {"kind": "locations"},
        name="location-disruption-new",
    ),
    path(
        "networks/<uuid:public_id>/disruption/new/",
        records.disruption_new,
        {"kind": "networks"},
        name="network-disruption-new",
    ),
    path(
        "disruption/<uuid:public_id>/remove/",
        records.disruption_remove,
        name="disruption-remove",
    ),
    path("locations/<uuid:public_id>/", records.location_detail, name="location-detail"),
    path(
        "cases/<uuid:public_id>/victim-support/",
        support.victim_support_edit,
        name="victim-support-edit",
    ),
    path(
        "cases/<uuid:public_id>/victim-support/court-dates/new/",
        support.court_date_new,
        name="court-date-new",
    ),
    path(
        "court-dates/<uuid:public_id>/remove/",
        support.court_date_remove,
        name="court-date-remove",
    ),
    path("administration/flag-types/", administration.flag_type_list, name="flag-type-list"),
    path("administration/flag-types/new/", administration.flag_type_new, name="flag-type-new"),
    path(
        "administration/flag-types/<slug:code>/",
        administration.flag_type_edit,
        name="flag-type-edit",
    ),
]
