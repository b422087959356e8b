"""Writes for partnerships, agencies, users and memberships. Each runs in one transaction."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from simple_history.utils import update_change_reason

from agencies.models import Agency, Membership, Partnership, Role, User
from agencies.roles import RECORD_CAPABILITIES, role_can


@transaction.atomic
def partnership_create(*, code: str, name: str, gss_code: str = "", by: User | None) -> Partnership:
    return Partnership.objects.create(
        code=code, name=name, gss_code=gss_code, created_by=by, modified_by=by
    )


@transaction.atomic
def agency_create(
    *,
    code: str,
    name: str,
    type: str,
    partnerships: list[Partnership],
    by: User | None,
) -> Agency:
    """Create an agency with its own group, to which every grant of access goes."""
    group = Group.objects.create(name=f"agency:{code}")
    agency = Agency.objects.create(
        code=code, name=name, type=type, group=group, created_by=by, modified_by=by
    )
    agency.partnerships.set(partnerships)
    return agency


@transaction.atomic
def agency_update(
    *, agency: Agency, name: str, type: str, is_active: bool, partnerships, by: User
) -> Agency:
    agency.name, agency.type, agency.is_active, agency.modified_by = name, type, is_active, by
    agency.save()
    agency.partnerships.set(partnerships)
    return agency


def opens_records(role: str) -> bool:
    return any(role_can(role, capability) for capability in RECORD_CAPABILITIES)


def _sync_agency_group(user: User, agency: Agency) -> None:
    """A user is in an agency's group exactly while an active membership there opens records,
    so that django-guardian's own checks agree with agencies.access."""
    in_group = Membership.objects.filter(
        user=user, agency=agency, is_active=True, role__in=[r for r in Role if opens_records(r)]
    ).exists()
    if in_group:
        user.groups.add(agency.group)
    else:
        user.groups.remove(agency.group)


@transaction.atomic
def user_create(*, email: str, full_name: str, password: str | None, by: User | None) -> User:
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    if by is not None:
        update_change_reason(user, f"Created by user {by.public_id}")
    return user


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("agencies:invitation-accept", args=[uid, token])


@transaction.atomic
def user_invite(
    *, email: str, full_name: str, agency: Agency, role: str, by: User, base_url: str
) -> User:
    """Create a user with a first membership and e-mail them a link to set a password."""
    user = user_create(email=email, full_name=full_name, password=None, by=by)
    membership_create(user=user, agency=agency, role=role, by=by)
    link = base_url.rstrip("/") + invitation_link(user)
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Your account for {settings.SERVICE_NAME}",
            message=(
                f"An account has been set up for you on {settings.SERVICE_NAME}.\n\n"
                f"Set your password within three days: {link}\n\n"
                "You will then set up two-factor authentication with an authenticator app.\n"
                "If you did not expect this e-mail, tell your agency's administrator."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


def _user_sessions_end(user: User) -> int:
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, user: User, reason: str, by: User) -> None:
    """Deactivate a user: their sessions end at once, and they can no longer sign in."""
    user.is_active = False
    user._change_reason = reason
    user.save()
    _user_sessions_end(user)


@transaction.atomic
def user_reactivate(*, user: User, reason: str, by: User) -> None:
    user.is_active = True
    user._change_reason = reason
    user.save()


@transaction.atomic
def membership_create(*, user: User, agency: Agency, role: str, by: User | None) -> Membership:
    """Add a user to an agency with a role (reactivating an ended membership there)."""
    membership, created = Membership.objects.get_or_create(
        user=user,
        agency=agency,
        defaults={"role": role, "created_by": by, "modified_by": by},
    )
    if not created:
        membership.role, membership.is_active, membership.modified_by = role, True, by
        membership.save()
    _sync_agency_group(user, agency)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by: User) -> None:
    membership.is_active = False
    membership.modified_by = by
    membership.save()
    _sync_agency_group(membership.user, membership.agency)
