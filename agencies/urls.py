from django.urls import path

from agencies.views import access_log, administration, auth

app_name = "agencies"

urlpatterns = [
    path("sign-in/", auth.sign_in, name="sign-in"),
    path("sign-out/", auth.sign_out, name="sign-out"),
    path("two-factor/set-up/", auth.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", auth.two_factor_verify, name="two-factor-verify"),
    path("confirm-identity/", auth.reauthenticate, name="reauthenticate"),
    path(
        "invitation/<str:uidb64>/<str:token>/",
        auth.invitation_accept,
        name="invitation-accept",
    ),
    path("access-log/", access_log.access_log, name="access-log"),
    path("administration/", administration.agency_list, name="admin-agency-list"),
    path("administration/agencies/new/", administration.agency_create, name="admin-agency-create"),
    path(
        "administration/agencies/<uuid:public_id>/",
        administration.agency_edit,
        name="admin-agency-edit",
    ),
    path("administration/users/", administration.user_list, name="admin-user-list"),
    path("administration/users/new/", administration.user_invite, name="admin-user-invite"),
    path(
        "administration/users/<uuid:public_id>/",
        administration.user_detail,
        name="admin-user-detail",
    ),
    path(
        "administration/users/<uuid:public_id>/active/",
        administration.user_set_active,
        name="admin-user-set-active",
    ),
    path(
        "administration/memberships/<uuid:public_id>/end/",
        administration.membership_end,
        name="admin-membership-end",
    ),
]
