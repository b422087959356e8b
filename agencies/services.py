"""Writes for partnerships, agencies, users and memberships. Each runs in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from agencies.models import Agency, Membership, Partnership, Role, User


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
def user_create(*, email: str, full_name: str, password: str | None, by: User | None) -> User:
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user


@transaction.atomic
def membership_create(
    *, user: User, agency: Agency, role: Role | str, by: User | None
) -> Membership:
    """Add a user to an agency with a role; the user joins the agency's group with it."""
    membership = Membership.objects.create(
        user=user, agency=agency, role=role, created_by=by, modified_by=by
    )
    user.groups.add(agency.group)
    return membership
