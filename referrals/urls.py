from django.urls import path

from referrals import admin_views, views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("cases/<uuid:public_id>/referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path(
        "referrals/<uuid:public_id>/access-requests/",
        views.access_request,
        name="access-request",
    ),
    path("referrals/<uuid:public_id>/<slug:step>/", views.referral_step, name="referral-step"),
    path(
        "administration/partnerships/<uuid:public_id>/referral-deadlines/",
        admin_views.deadline_policy_edit,
        name="deadline-policy-edit",
    ),
]
