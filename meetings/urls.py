from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<uuid:public_id>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<uuid:public_id>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<uuid:public_id>/print/", views.meeting_print, name="meeting-print"),
    path(
        "meetings/items/new/<slug:kind>/<uuid:public_id>/",
        views.agenda_item_new,
        name="item-new",
    ),
    path("meetings/items/<uuid:public_id>/", views.agenda_item_detail, name="item-detail"),
    path(
        "meetings/items/<uuid:public_id>/information/",
        views.agenda_item_information,
        name="item-information",
    ),
    path(
        "meetings/items/<uuid:public_id>/outcome/", views.agenda_item_outcome, name="item-outcome"
    ),
    path(
        "meetings/items/<uuid:public_id>/withdraw/",
        views.agenda_item_withdraw,
        name="item-withdraw",
    ),
    path(
        "meetings/items/<uuid:public_id>/actions/new/",
        views.meeting_action_new,
        name="action-new",
    ),
    path("meetings/actions/<uuid:public_id>/", views.meeting_action_edit, name="action-edit"),
]
