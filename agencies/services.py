"""Writes for partnerships, agencies, users and memberships. Each runs in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from simple_history.utils import update_change_reason

from agencies.access import agency_ids_with, user_agency_roles
from agencies.access_log import access_log_record
from agencies.models import (
    AccessLogEntry,
    Agency,
    Membership,
    MembershipRequest,
    Partnership,
    RecoveryCode,
    Role,
    User,
)
from agencies.roles import RECORD_CAPABILITIES, Capability, role_can
from agencies.selectors import agencies_beyond, agency_is_new, partnership_agencies
from core.models import Task
from core.services import task_create

SELF_CHANGE = (
    "You cannot change your own memberships, roles or account: another administrator of "
    "the agency must do it"
)


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
    """Change an agency. Its type (police intelligence opens to police agencies) and whether it
    is active (an inactive agency's people open nothing) are for its own administrator, or the
    partnership's while the agency is new; partnerships the editor does not administer stay
    as they are. Logged, and told to the agency's CSE leads."""
    own = agency.pk in agency_ids_with(by, Capability.MANAGE_USERS)
    if (
        not own
        and not agency_is_new(agency=agency)
        and (type != agency.type or is_active != agency.is_active)
    ):
        raise AdministrationRefused(
            f"Only {agency.name}'s own administrator can change its type or whether it is active"
        )
    administered = set(
        Partnership.objects.filter(
            agencies__id__in=agency_ids_with(by, Capability.MANAGE_USERS)
        ).values_list("pk", flat=True)
    )
    before = {
        "name": agency.name,
        "type": agency.type,
        "is_active": agency.is_active,
        "partnerships": sorted(agency.partnerships.values_list("code", flat=True)),
    }
    kept = [p for p in agency.partnerships.all() if p.pk not in administered]
    chosen = [p for p in partnerships if p.pk in administered]
    agency.name, agency.type, agency.is_active, agency.modified_by = name, type, is_active, by
    agency.save()
    agency.partnerships.set([*kept, *chosen])
    after = {
        "name": agency.name,
        "type": agency.type,
        "is_active": agency.is_active,
        "partnerships": sorted(p.code for p in [*kept, *chosen]),
    }
    changed = sorted(key for key in before if before[key] != after[key])
    if changed:
        access_log_record(
            user=by,
            agency_id=acting_agency_id(by=by, agency=agency),
            action=AccessLogEntry.Action.MEMBERSHIP,
            record_type="agency",
            record_id=agency.public_id,
            record_agency_id=agency.pk,
            detail={"change": "agency_changed", "agency": agency.code, "fields": changed},
        )
        task_create(
            kind=Task.Kind.ACCOUNT_CHANGED,
            agency_id=agency.pk,
            role=Role.CSE_LEAD,
            title="Administration: your agency's details were changed",
            subject={"by": str(by.public_id), "change": "agency_changed", "fields": changed},
        )
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


class AdministrationRefused(ValueError):
    """A change of who may see what that the rules of administration do not allow; the
    message says why, in words the administrator can act on."""


def acting_agency_id(*, by: User, agency: Agency | None = None) -> int | None:
    """The agency a change of administration is made from: the agency itself when the person
    administers it or approves its memberships, otherwise their first such agency."""
    own = list(
        dict.fromkeys(
            agency_ids_with(by, Capability.MANAGE_USERS)
            + agency_ids_with(by, Capability.APPROVE_MEMBERSHIPS)
        )
    )
    if agency is not None and agency.pk in own:
        return agency.pk
    return own[0] if own else None


def account_log(
    *,
    subject: User,
    change: str,
    by: User | None,
    acting_agency_id: int | None,
    record_agency_id: int | None,
    action: str = AccessLogEntry.Action.ACCOUNT,
    reason: str = "",
    detail: dict | None = None,
) -> None:
    """An access log entry about an account: who (`by`, none for someone not signed in), from
    which agency, and the agency the change concerns, whose CSE leads find it in their log.
    Codes, passwords and addresses typed are never in it."""
    access_log_record(
        user=by,
        agency_id=acting_agency_id,
        action=action,
        record_type="user",
        record_id=subject.public_id,
        record_agency_id=record_agency_id,
        reason=reason,
        detail={**({"change": change} if change else {}), **(detail or {})},
    )


def account_event_log(
    *, user: User, change: str, action: str = AccessLogEntry.Action.ACCOUNT
) -> None:
    """Something a person did with their own means of signing in, logged under their first
    agency, so that its CSE leads and administrators find it."""
    memberships = user_agency_roles(user)
    agency_id = memberships[0].agency_id if memberships else None
    account_log(
        subject=user,
        change=change,
        by=user,
        acting_agency_id=agency_id,
        record_agency_id=agency_id,
        action=action,
    )


def _log_and_tell(
    *,
    action: str,
    change: str,
    subject: User,
    agency: Agency,
    by: User,
    reason: str = "",
    detail: dict | None = None,
    task_kind: str = Task.Kind.MEMBERSHIP_CHANGED,
    task_title: str = "",
    roles: tuple[str, ...] = (Role.CSE_LEAD,),
) -> None:
    """Every change of who may see what goes into the access log and onto the task list of
    the agency's CSE leads (and any other `roles`), saying who changed what (the task names
    nobody in its title: its e-mail carries the title only)."""
    account_log(
        subject=subject,
        change=change,
        by=by,
        acting_agency_id=acting_agency_id(by=by, agency=agency),
        record_agency_id=agency.pk,
        action=action,
        reason=reason,
        detail=detail,
    )
    for role in roles:
        task_create(
            kind=task_kind,
            agency_id=agency.pk,
            role=role,
            title=task_title or f"Administration: {CHANGE_WORDS.get(change, change)}",
            subject={
                "user": str(subject.public_id),
                "by": str(by.public_id),
                "change": change,
                **(detail or {}),
            },
        )


# How each change reads in a task's title and on its page.
CHANGE_WORDS = {
    "granted": "a membership of your agency was given",
    "role_changed": "a role in your agency was changed",
    "requested": "a membership of your agency was asked for",
    "approved": "a membership of your agency was approved",
    "refused": "a membership of your agency was refused",
    "ended": "a membership of your agency was ended",
    "invited": "a person was invited to your agency",
    "deactivated": "an account of your agency was deactivated",
    "reactivated": "an account of your agency was reactivated",
    "two_factor_reset": "an authenticator of your agency's user was reset",
    "recovery_code_used": "a recovery code replaced a lost authenticator",
}


def membership_needs_approval(
    *, agency: Agency, role: str, by: User, current: Membership | None = None
) -> bool:
    """A membership takes effect at once when the agency's own administrator gives it. Asked
    for by an administrator of another agency of the partnership, one that opens records
    needs the agency's administrator or CSE lead to approve it; so does any change to a
    membership the agency already gave, and making someone the agency's administrator,
    unless nobody has ever belonged to the agency (a new agency's first administrator). A
    new LSCB chair sees aggregates only and takes effect."""
    if agency.pk in agency_ids_with(by, Capability.MANAGE_USERS):
        return False
    if opens_records(role) or current is not None:
        return True
    return role == Role.ADMINISTRATOR and not agency_is_new(agency=agency)


@transaction.atomic
def membership_grant(
    *, user: User, agency: Agency, role: str, by: User
) -> Membership | MembershipRequest:
    """Give `user` the role in `agency`, or ask for it where the agency must approve it. Nobody
    changes their own memberships; only an administrator of the partnership asks at all."""
    if user.pk == by.pk:
        raise AdministrationRefused(SELF_CHANGE)
    if not partnership_agencies(user=by).filter(pk=agency.pk).exists():
        raise AdministrationRefused("Choose an agency of a partnership you administer")
    if role not in Role.values:
        raise AdministrationRefused("Choose one of the roles listed")
    current = Membership.objects.filter(user=user, agency=agency, is_active=True).first()
    if current is not None and current.role == role:
        raise AdministrationRefused(
            f"{user.full_name} is already {current.get_role_display()} in {agency.name}"
        )
    if membership_needs_approval(agency=agency, role=role, by=by, current=current):
        try:
            with transaction.atomic():
                request = MembershipRequest.objects.create(
                    user=user, agency=agency, role=role, created_by=by, modified_by=by
                )
        except IntegrityError as error:  # one pending request per person and agency
            raise AdministrationRefused(
                f"A membership of {agency.name} for {user.full_name} is already waiting for "
                "approval"
            ) from error
        _log_and_tell(
            action=AccessLogEntry.Action.MEMBERSHIP,
            change="requested",
            subject=user,
            agency=agency,
            by=by,
            detail={"role": role, "membership_request": str(request.public_id)},
            task_kind=Task.Kind.MEMBERSHIP_REQUEST,
            task_title="A membership of your agency is waiting for your approval",
            # Either may decide it.
            roles=(Role.CSE_LEAD, Role.ADMINISTRATOR),
        )
        return request
    membership = membership_create(user=user, agency=agency, role=role, by=by)
    _log_and_tell(
        action=AccessLogEntry.Action.MEMBERSHIP,
        change="role_changed" if current is not None else "granted",
        subject=user,
        agency=agency,
        by=by,
        detail={"role": role, **({"previous_role": current.role} if current else {})},
    )
    return membership


def _request_tasks_close(*, request: MembershipRequest, by: User) -> None:
    """A request decided or withdrawn leaves the approvers' task lists."""
    Task.objects.filter(
        kind=Task.Kind.MEMBERSHIP_REQUEST,
        status=Task.Status.OPEN,
        subject__membership_request=str(request.public_id),
    ).update(status=Task.Status.DONE, done_at=timezone.now(), done_by=by)


@transaction.atomic
def membership_request_decide(
    *, membership_request: MembershipRequest, approve: bool, reason: str, by: User
) -> MembershipRequest:
    """Approve (the membership takes effect) or refuse a membership asked for, with a reason.
    Decided once, by the agency's administrator or CSE lead, never by the person who asked
    for it or the person it is for."""
    request = MembershipRequest.objects.select_for_update().get(pk=membership_request.pk)
    if request.status != MembershipRequest.Status.PENDING:
        raise AdministrationRefused(f"This request was already {request.get_status_display()}")
    if by.pk in (request.user_id, request.created_by_id):
        raise AdministrationRefused(
            "Someone else must decide: you asked for this membership or it is yours"
        )
    if request.agency_id not in agency_ids_with(by, Capability.APPROVE_MEMBERSHIPS):
        raise AdministrationRefused(
            "Only an administrator or CSE lead of the agency can decide on this request"
        )
    if approve and not request.user.is_active:
        raise AdministrationRefused(
            "This account has been deactivated: refuse the request, or ask for it to be "
            "reactivated first"
        )
    request.status = (
        MembershipRequest.Status.APPROVED if approve else MembershipRequest.Status.REFUSED
    )
    request.decided_by, request.decided_at = by, timezone.now()
    request.decision_reason, request.modified_by = reason, by
    request._change_reason = reason
    request.save()
    if approve:
        membership_create(user=request.user, agency=request.agency, role=request.role, by=by)
    elif request.user.last_login is None and not request.user.memberships.exists():
        # An invitation refused: the account never used and belonging nowhere is closed, so
        # that it cannot be signed in to.
        request.user.is_active = False
        request.user._change_reason = "Invitation refused by the agency"
        request.user.save()
    _request_tasks_close(request=request, by=by)
    _log_and_tell(
        action=AccessLogEntry.Action.MEMBERSHIP,
        change="approved" if approve else "refused",
        subject=request.user,
        agency=request.agency,
        by=by,
        reason=reason,
        detail={"role": request.role, "membership_request": str(request.public_id)},
    )
    return request


@transaction.atomic
def membership_request_withdraw(*, membership_request: MembershipRequest, by: User) -> None:
    """The person who asked for a membership takes the request back while it waits."""
    request = MembershipRequest.objects.select_for_update().get(pk=membership_request.pk)
    if request.created_by_id != by.pk:
        raise AdministrationRefused("Only the person who asked for it can withdraw a request")
    if request.status != MembershipRequest.Status.PENDING:
        raise AdministrationRefused(f"This request was already {request.get_status_display()}")
    request.status, request.modified_by = MembershipRequest.Status.WITHDRAWN, by
    request.save()
    _request_tasks_close(request=request, by=by)
    account_log(
        subject=request.user,
        change="withdrawn",
        by=by,
        acting_agency_id=acting_agency_id(by=by, agency=request.agency),
        record_agency_id=request.agency_id,
        action=AccessLogEntry.Action.MEMBERSHIP,
        detail={"membership_request": str(request.public_id)},
    )


@transaction.atomic
def user_invite(
    *, email: str, full_name: str, agency: Agency, role: str, by: User
) -> tuple[User, Membership | MembershipRequest]:
    """Create a user with a first membership (or a request for it, where the agency must
    approve) and e-mail them a link to set a password. The link is built from SITE_URL,
    never from the address the request came to."""
    user = user_create(email=email, full_name=full_name, password=None, by=by)
    granted = membership_grant(user=user, agency=agency, role=role, by=by)
    account_log(
        subject=user,
        change="invited",
        by=by,
        acting_agency_id=acting_agency_id(by=by, agency=agency),
        record_agency_id=agency.pk,
        detail={"role": role},
    )
    link = password_link(user)
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
    return user, granted


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


def _user_sessions_end(user: User, *, keep: str | None = None) -> int:
    """End the user's sessions, but for the one whose key is `keep`."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if (
            session.get_decoded().get("_auth_user_id") == str(user.pk)
            and session.session_key != keep
        ):
            session.delete()
            ended += 1
    return ended


def _account_wide_allowed(*, subject: User, by: User) -> None:
    """Deactivating, reactivating and resetting the authenticator act on the whole account:
    only an administrator who manages every agency the person belongs to may do them alone."""
    if subject.pk == by.pk:
        raise AdministrationRefused(SELF_CHANGE)
    beyond = list(agencies_beyond(subject=subject, by=by).values_list("name", flat=True))
    if beyond:
        raise AdministrationRefused(
            f"{subject.full_name} also belongs to {', '.join(beyond)}: an administrator of "
            "every agency they belong to must do this, or end their membership of yours"
        )
    managed = agency_ids_with(by, Capability.MANAGE_USERS)
    if not subject.memberships.filter(agency_id__in=managed, is_active=True).exists():
        raise AdministrationRefused(f"{subject.full_name} has no current membership of your agency")


def _tell_user_agencies(*, subject: User, change: str, by: User, reason: str) -> None:
    agencies = Agency.objects.filter(
        memberships__user=subject, memberships__is_active=True
    ).distinct()
    if not agencies:
        account_log(
            subject=subject,
            change=change,
            by=by,
            acting_agency_id=acting_agency_id(by=by),
            record_agency_id=None,
            reason=reason,
        )
    for agency in agencies:
        _log_and_tell(
            action=AccessLogEntry.Action.ACCOUNT,
            change=change,
            subject=subject,
            agency=agency,
            by=by,
            reason=reason,
            task_kind=Task.Kind.ACCOUNT_CHANGED,
        )


@transaction.atomic
def user_deactivate(*, user: User, reason: str, by: User) -> None:
    """Deactivate a user: their sessions end at once, and they can no longer sign in."""
    _account_wide_allowed(subject=user, by=by)
    user.is_active = False
    user._change_reason = reason
    user.save()
    _user_sessions_end(user)
    _tell_user_agencies(subject=user, change="deactivated", by=by, reason=reason)


@transaction.atomic
def user_reactivate(*, user: User, reason: str, by: User) -> None:
    _account_wide_allowed(subject=user, by=by)
    user.is_active = True
    user._change_reason = reason
    user.save()
    _tell_user_agencies(subject=user, change="reactivated", by=by, reason=reason)


@transaction.atomic
def membership_create(*, user: User, agency: Agency, role: str, by: User | None) -> Membership:
    """Add a user to an agency with a role (reactivating an ended membership there). The
    building block of `membership_grant` and of approvals; it decides nothing itself, so
    pages never call it directly."""
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
    if membership.user_id == by.pk:
        raise AdministrationRefused(SELF_CHANGE)
    membership.is_active = False
    membership.modified_by = by
    membership.save()
    _sync_agency_group(membership.user, membership.agency)
    _log_and_tell(
        action=AccessLogEntry.Action.MEMBERSHIP,
        change="ended",
        subject=membership.user,
        agency=membership.agency,
        by=by,
        detail={"role": membership.role},
    )


# Recovery codes: 25 characters from an alphabet of 32 (125 bits), shown once, kept as digests.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_CODE_COUNT = 10


def recovery_code_digest(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """A new set of recovery codes for `user`, replacing any they had. The codes are returned
    to be shown once; only their digests are kept."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(25))
        codes.append("-".join(raw[i : i + 5] for i in range(0, 25, 5)))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=recovery_code_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code in place of the lost authenticator: the code is used up, and the
    person sets up a new authenticator before going further (the old one is removed only once
    the new one is confirmed, so that leaving half-way never opens the account to whoever
    next has the password). Told to the agencies' CSE leads and in the access log."""
    spent = RecoveryCode.objects.filter(
        user=user, digest=recovery_code_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not spent:
        return False
    _tell_user_agencies(subject=user, change="recovery_code_used", by=user, reason="")
    return True


@transaction.atomic
def user_two_factor_reset(*, user: User, reason: str, by: User) -> None:
    """An administrator resets a lost authenticator: the authenticator and recovery codes go,
    the person's sessions end, and at their next sign-in (password first) they set up a new
    one. Logged, and told to the CSE leads of the person's agencies."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _account_wide_allowed(subject=user, by=by)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    _user_sessions_end(user)
    _tell_user_agencies(subject=user, change="two_factor_reset", by=by, reason=reason)


@transaction.atomic
def user_change_password(*, user: User, password: str, keep_session: str | None) -> None:
    """A signed-in person changes their password; their other sessions end."""
    user_set_password(user=user, password=password)
    _user_sessions_end(user, keep=keep_session)
    account_event_log(user=user, change="password_changed")


def password_link(user: User) -> str:
    """A link to set a password, with the token in the query string (never logged by the
    service's own web server, docs/deployment.md) that the first request moves into the
    session and off the address bar."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse('agencies:password-link')}?key={uid}.{token}"


# At most this many reset e-mails an hour to one account: a form anyone can post must not
# become a way to flood someone's inbox.
PASSWORD_RESETS_PER_HOUR = 3


@transaction.atomic
def password_reset_send(*, email: str) -> bool:
    """Send a link to set a new password to an active account with this address, in the
    background; say nothing either way to whoever asked (the page reads the same, and takes
    as long, whether or not the address has an account). The second factor is still asked at
    the next sign-in."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    recent = AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.ACCOUNT,
        record_id=user.public_id,
        detail__change="password_reset_sent",
        at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if recent >= PASSWORD_RESETS_PER_HOUR:
        return False
    account_log(
        subject=user,
        change="password_reset_sent",
        by=None,
        acting_agency_id=None,
        record_agency_id=None,
    )
    from agencies.tasks import password_reset_email_send

    user_id = user.pk
    transaction.on_commit(lambda: password_reset_email_send.delay(user_id), robust=True)
    return True


def password_reset_email_deliver(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_mail(
        subject=f"Reset your password for {settings.SERVICE_NAME}",
        message=(
            f"Someone asked to reset the password of your account on {settings.SERVICE_NAME}.\n\n"
            f"Set a new password within three days: {password_link(user)}\n\n"
            "You will still need the code from your authenticator app to sign in.\n"
            "If you did not ask for this, ignore this e-mail and tell your agency's "
            "administrator."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True
