from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<uuid:public_id>/", views.task_detail, name="task-detail"),
    path("tasks/<uuid:public_id>/done/", views.task_done, name="task-done"),
]
