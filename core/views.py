from datetime import timedelta

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agencies.access import agency_ids_with
from agencies.models import Agency
from agencies.roles import Capability
from core.health import health_status, worker_status
from core.models import Task
from core.selectors import tasks_for
from core.services import task_complete

# How far back the task list looks for views of the lead professional's cases by unlinked people.
UNLINKED_VIEWS_FOR = timedelta(days=7)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.filter(is_active=True).select_related("agency")
    open_tasks = tasks_for(request.user).filter(status=Task.Status.OPEN).count()
    may_record = bool(agency_ids_with(request.user, Capability.EDIT_RECORDS))
    from meetings.selectors import actions_as_seen

    # Counted as the task list shows them: only actions on records the user may still see.
    overdue = actions_as_seen(user=request.user, limit=1000, overdue_only=True)
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "open_tasks": open_tasks,
            "may_record": may_record,
            "overdue_actions": len(overdue),
        },
    )


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    status = health_status()
    healthy = all(value == "ok" for value in status.values())
    body = {"status": "ok" if healthy else "unavailable", **status, "worker": worker_status()}
    return JsonResponse(body, status=200 if healthy else 503)


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


# Error pages never echo the request: no path, no query string, no form data.
@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Forbidden answers like not found, so that no one learns a record exists.
    return render(request, "errors/404.html", status=404)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def task_list(request: HttpRequest) -> HttpResponse:
    tasks = tasks_for(request.user).filter(status=Task.Status.OPEN).order_by("-created_at", "-id")
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    from cases.selectors import unlinked_views_of_cases_led_by
    from interventions.selectors import flags_due_for_review
    from meetings.selectors import actions_as_seen

    return render(
        request,
        "core/task_list.html",
        {
            "page": page,
            "tasks": page.object_list,
            "meeting_actions": actions_as_seen(user=request.user),
            "flags_due": flags_due_for_review(user=request.user).count(),
            "unlinked_views": unlinked_views_of_cases_led_by(
                user=request.user, since=timezone.now() - UNLINKED_VIEWS_FOR
            ),
        },
    )


def task_detail(request: HttpRequest, public_id) -> HttpResponse:
    task = get_object_or_404(tasks_for(request.user), public_id=public_id)
    from cases.selectors import people_visible
    from indicators.models import RiskAssessment
    from referrals.selectors import referrals_visible

    subject = task.subject
    held_ids = subject.get("held_records", []) + (
        [subject["person"]] if "person" in subject else []
    )
    held = (
        list(people_visible(user=request.user).filter(public_id__in=held_ids)) if held_ids else []
    )
    referral = (
        referrals_visible(user=request.user).filter(public_id=subject["referral"]).first()
        if "referral" in subject
        else None
    )
    assessment = (
        RiskAssessment.objects.filter(public_id=subject["assessment"]).first()
        if "assessment" in subject
        else None
    )
    emergency = None
    if "emergency_access" in subject:
        from restrictions.models import EmergencyAccess

        emergency = (
            EmergencyAccess.objects.filter(public_id=subject["emergency_access"])
            .select_related("user", "agency")
            .first()
        )
    agencies = Agency.objects.in_bulk(
        [subject.get("recorded_by_agency"), subject.get("requested_by_agency")],
        field_name="code",
    )
    # Administration tasks say who changed whose access (staff, never a child or suspect).
    from agencies.models import Role, User

    people = User.objects.in_bulk(
        [value for value in (subject.get("user"), subject.get("by")) if value],
        field_name="public_id",
    )
    people = {str(key): value for key, value in people.items()}
    return render(
        request,
        "core/task_detail.html",
        {
            "task": task,
            "held": held,
            "referral": referral,
            "assessment": assessment,
            "recorded_by": agencies.get(subject.get("recorded_by_agency")),
            "requested_by": agencies.get(subject.get("requested_by_agency")),
            "emergency": emergency,
            "account": people.get(subject.get("user")),
            "changed_by": people.get(subject.get("by")),
            "role_label": Role(subject["role"]).label if subject.get("role") in Role.values else "",
            "previous_role_label": (
                Role(subject["previous_role"]).label
                if subject.get("previous_role") in Role.values
                else ""
            ),
        },
    )


@require_POST
def task_done(request: HttpRequest, public_id) -> HttpResponse:
    task = get_object_or_404(tasks_for(request.user), public_id=public_id)
    task_complete(task=task, by=request.user)
    return redirect("core:task-list")
