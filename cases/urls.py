from django.urls import path

from cases.views import case, concern, history, missing, network, person, retention

app_name = "cases"

urlpatterns = [
    path("cases/", case.case_list, name="case-list"),
    path("reviews/", retention.review_list, name="retention-list"),
    path(
        "reviews/cases/<uuid:public_id>/",
        retention.review_decide,
        {"kind": "cases"},
        name="retention-case",
    ),
    path(
        "reviews/people/<uuid:public_id>/",
        retention.review_decide,
        {"kind": "people"},
        name="retention-person",
    ),
    path("cases/<uuid:public_id>/", case.case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/chronology/", case.case_chronology, name="case-chronology"),
    path(
        "cases/<uuid:public_id>/chronology/print/",
        case.case_chronology_print,
        name="case-chronology-print",
    ),
    path("cases/<uuid:public_id>/history/", history.case_history, name="case-history"),
    path("cases/<uuid:public_id>/edit/", case.case_edit, name="case-edit"),
    path("cases/<uuid:public_id>/notes/new/", case.case_note_add, name="case-note-add"),
    path("cases/<uuid:public_id>/close/", case.case_close, name="case-close"),
    path("cases/<uuid:public_id>/share/", case.case_share, name="case-share"),
    path(
        "cases/<uuid:public_id>/shares/<uuid:agency_id>/withdraw/",
        case.case_unshare,
        name="case-unshare",
    ),
    path(
        "cases/<uuid:public_id>/concerns/new/",
        concern.concern_new_for_case,
        name="concern-new-for-case",
    ),
    path(
        "cases/<uuid:public_id>/missing/new/",
        missing.missing_episode_new,
        name="missing-episode-new",
    ),
    path(
        "missing-episodes/<uuid:public_id>/edit/",
        missing.missing_episode_edit,
        name="missing-episode-edit",
    ),
    path("concerns/new/", concern.concern_new_child, name="concern-new-child"),
    path("concerns/<uuid:public_id>/", concern.concern_detail, name="concern-detail"),
    path("concerns/<uuid:public_id>/edit/", concern.concern_edit, name="concern-edit"),
    path("concerns/<uuid:public_id>/history/", history.concern_history, name="concern-history"),
    path("concerns/<uuid:public_id>/submit/", concern.concern_submit, name="concern-submit"),
    path("people/search/", person.person_search, name="person-search"),
    path("people/<uuid:public_id>/", person.person_detail, name="person-detail"),
    path("people/<uuid:public_id>/history/", history.person_history, name="person-history"),
    path("people/<uuid:public_id>/edit/", person.person_edit, name="person-edit"),
    path("people/<uuid:public_id>/details/", person.person_detail_add, name="person-detail-add"),
    path("people/<uuid:public_id>/merge/", person.person_merge, name="person-merge"),
    path("people/<uuid:public_id>/share/", person.person_share, name="person-share"),
    path(
        "people/<uuid:public_id>/shares/<uuid:agency_id>/withdraw/",
        person.person_unshare,
        name="person-unshare",
    ),
    path("people/<uuid:public_id>/graph/", network.person_graph, name="person-graph"),
    path("people/<uuid:public_id>/links/new/", network.association_new, name="association-new"),
    path("networks/", network.network_list, name="network-list"),
    path("networks/suggested/", network.network_suggestions, name="network-suggestions"),
    path("networks/<uuid:public_id>/", network.network_detail, name="network-detail"),
    path("networks/<uuid:public_id>/history/", history.network_history, name="network-history"),
    path("networks/<uuid:public_id>/edit/", network.network_edit, name="network-edit"),
    path(
        "networks/<uuid:public_id>/members/new/",
        network.network_member_add,
        name="network-member-add",
    ),
    path(
        "networks/<uuid:public_id>/members/<uuid:member_id>/edit/",
        network.network_member_edit,
        name="network-member-edit",
    ),
    path(
        "networks/<uuid:public_id>/members/<uuid:member_id>/role/",
        network.network_member_role,
        name="network-member-role",
    ),
]
