from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("cases/<uuid:public_id>/assessments/new/", views.assessment_new, name="assessment-new"),
    path(
        "cases/<uuid:public_id>/assessments/preview/",
        views.assessment_preview,
        name="assessment-preview",
    ),
    path("assessments/overdue/", views.reassessments_overdue, name="overdue"),
    path("assessments/<uuid:public_id>/", views.assessment_detail, name="assessment-detail"),
    path("assessments/<uuid:public_id>/edit/", views.assessment_edit, name="assessment-edit"),
    path(
        "assessments/<uuid:public_id>/sign-off/",
        views.assessment_sign_off,
        name="assessment-sign-off",
    ),
    path("indicator-sets/", views.indicator_set_list, name="set-list"),
    path("indicator-sets/<uuid:public_id>/", views.indicator_set_detail, name="set-detail"),
    path("administration/indicator-sets/new/", views.indicator_set_upload, name="set-upload"),
]
