from django.urls import path

from restrictions import views

app_name = "restrictions"

urlpatterns = [
    path(
        "people/<uuid:public_id>/restrict/",
        views.record_restrict,
        {"kind": "person"},
        name="person-restrict",
    ),
    path(
        "cases/<uuid:public_id>/restrict/",
        views.record_restrict,
        {"kind": "case"},
        name="case-restrict",
    ),
    path("restrictions/<uuid:public_id>/change/", views.restriction_change, name="change"),
    path("restrictions/<uuid:public_id>/lift/", views.restriction_lift, name="lift"),
    path(
        "restricted/people/<uuid:public_id>/",
        views.restricted_record,
        {"kind": "person"},
        name="restricted-person",
    ),
    path(
        "restricted/cases/<uuid:public_id>/",
        views.restricted_record,
        {"kind": "case"},
        name="restricted-case",
    ),
]
