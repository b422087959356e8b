from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from agencies.access import user_memberships
from core.navigation import navigation_for


def service(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "service_name": settings.SERVICE_NAME,
        "demo_mode": settings.DEMO_MODE,
        "today": timezone.localdate(),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(request)
        context["user_memberships"] = user_memberships(user)
    return context
