from django.urls import path

from agencies.views import access_log, administration, auth

app_name = "agencies"

urlpatterns = [
    path("sign-in/", auth.sign_in, name="sign-in"),
    path("sign-out/", auth.sign_out, name="sign-out"),
    path("two-factor/set-up/", auth.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", auth.two_factor_verify, name="two-factor-verify"),
    path("confirm-identity/", auth.reauthenticate, name="reauthenticate"),
    path("two-factor/recovery/", auth.two_factor_recovery, name="two-factor-recovery"),
    # The token of an invitation or reset travels in the query string of the first request
    # only (never in a path, which web servers log); docs/deployment.md.
    path("password/link/", auth.password_link, name="password-link"),
    path("password/new/", auth.password_set, name="password-set"),
    path("password/forgotten/", auth.password_forgotten, name="password-forgotten"),
    path("account/", auth.account, name="account"),
    path("account/password/", auth.password_change, name="password-change"),
    path("account/recovery-codes/", auth.recovery_codes_new, name="recovery-codes-new"),
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
        "administration/users/<uuid:public_id>/two-factor-reset/",
        administration.user_two_factor_reset,
        name="admin-user-two-factor-reset",
    ),
    path(
        "administration/users/<uuid:public_id>/active/",
        administration.user_set_active,
        name="admin-user-set-active",
    ),
    path(
        "administration/membership-requests/",
        administration.membership_request_list,
        name="admin-membership-requests",
    ),
    path(
        "administration/membership-requests/<uuid:public_id>/",
        administration.membership_request_detail,
        name="admin-membership-request",
    ),
    path(
        "administration/memberships/<uuid:public_id>/end/",
        administration.membership_end,
        name="admin-membership-end",
    ),
]
