"""Networks, suggested networks, the link graph of a person, and linking two people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.decorators import capability_required
from agencies.models import Agency
from agencies.roles import Capability
from cases import graph as link_graph
from cases import selectors, services
from cases.codes import Relationship
from cases.forms import NetworkMemberForm
from cases.models import Network, NetworkMember, SuggestionRun
from cases.views.person import person_for
from core.forms import GovUKForm, GovUKModelForm

NETWORKS = Network.objects.select_related("owner_agency")


def network_for(request: HttpRequest, public_id, capability: Capability) -> Network:
    network = access.get_visible_or_404(request, NETWORKS, public_id)
    if not access.can(request.user, capability, network):
        raise Http404("No such record")
    return network


def analyst_agency(request: HttpRequest) -> Agency:
    agency_ids = access.agency_ids_with(request.user, Capability.ANALYSE)
    if not agency_ids:
        raise Http404("No such page")
    return Agency.objects.get(pk=agency_ids[0])


# A public id that no record has, to reverse a page's link once for a whole table.
NO_ONE = "00000000-0000-0000-0000-000000000000"


def links_to(page: str) -> Callable[[object], str]:
    """The link of a record's page by its public id: reversed once for a table of records
    instead of once for each row, whose links differ only by the id."""
    head, tail = reverse(page, args=[NO_ONE]).split(NO_ONE)
    return lambda public_id: f"{head}{public_id}{tail}"


@capability_required(Capability.VIEW_RECORDS)
def network_list(request: HttpRequest) -> HttpResponse:
    link_of = links_to("cases:network-detail")
    networks = [(n, link_of(n.public_id)) for n in selectors.networks_visible(user=request.user)]
    return render(request, "cases/network_list.html", {"networks": networks})


class ConfirmNetworkForm(GovUKForm):
    name = forms.CharField(label="Name of the network", max_length=200, required=False)
    extend = forms.ModelChoiceField(
        label="Or add these people to an existing network",
        required=False,
        queryset=None,
        to_field_name="public_id",
        empty_label="No: make a new network",
    )

    def __init__(self, *args, networks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["extend"].queryset = networks

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("name") and not cleaned.get("extend"):
            self.add_error("name", "Enter a name for the network, or choose one to extend")
        return cleaned


SUGGESTIONS_FRESH_FOR = timedelta(hours=1)


def suggestion_run_current(request: HttpRequest, *, again: bool = False) -> SuggestionRun:
    """The user's latest run; a new one when asked, or when the latest is old or failed."""
    run = SuggestionRun.objects.filter(user=request.user).first()
    stale = run is not None and (
        run.status == SuggestionRun.Status.FAILED
        or (
            run.status == SuggestionRun.Status.DONE
            and timezone.now() - run.finished_at > SUGGESTIONS_FRESH_FOR
        )
    )
    if run is None or stale or (again and run.status == SuggestionRun.Status.DONE):
        visible_people = selectors.people_visible(user=request.user).count()
        run = services.suggestion_run_start(
            user=request.user,
            background=visible_people > settings.NETWORK_SUGGESTIONS_INLINE_LIMIT,
        )
    return run


@capability_required(Capability.ANALYSE)
@require_http_methods(["GET", "POST"])
def network_suggestions(request: HttpRequest) -> HttpResponse:
    agency = analyst_agency(request)
    if request.method == "GET" and request.GET.get("progress"):
        run = SuggestionRun.objects.filter(user=request.user).first()
        response = render(request, "cases/_suggestion_progress.html", {"run": run})
        if run is None or run.status not in (
            SuggestionRun.Status.QUEUED,
            SuggestionRun.Status.RUNNING,
        ):
            response["HX-Refresh"] = "true"
        return response
    if request.method == "POST" and "again" in request.POST:
        suggestion_run_current(request, again=True)
        return redirect("cases:network-suggestions")
    run = suggestion_run_current(request)
    done = run.status == SuggestionRun.Status.DONE
    suggestions = selectors.suggestions_of_run(run=run, user=request.user) if done else []
    own_networks = access.visible(request.user, Network.objects.filter(owner_agency=agency))
    if request.method == "POST":
        chosen = set(request.POST.getlist("members"))
        suggestion = next(
            (s for s in suggestions if {str(p.public_id) for p in s.people} == chosen), None
        )
        form = ConfirmNetworkForm(data=request.POST, networks=own_networks)
        if suggestion is None:
            messages.error(request, "That group has changed since the page was shown: look again")
            return redirect("cases:network-suggestions")
        if form.is_valid():
            if form.cleaned_data["extend"]:
                network = form.cleaned_data["extend"]
                services.network_members_add(
                    network=network, members=suggestion.people, by=request.user
                )
            else:
                network = services.network_create(
                    owner_agency=agency,
                    name=form.cleaned_data["name"],
                    members=suggestion.people,
                    by=request.user,
                )
            messages.success(request, f"Network {network.name} saved")
            return redirect("cases:network-detail", public_id=network.public_id)
    return render(
        request,
        "cases/network_suggestions.html",
        {
            "run": run,
            "suggestions": suggestions,
            "form": ConfirmNetworkForm(networks=own_networks),
        },
    )


def _graph_page(request, template: str, graph, context: dict, roles=None) -> HttpResponse:
    nodes, edges = link_graph.table_rows(graph, roles)
    link_of = links_to("cases:person-detail")
    for row in nodes:
        row["url"] = link_of(row["public_id"]) if row["public_id"] else ""
    return render(
        request,
        template,
        {
            **context,
            "graph_json": link_graph.cytoscape_elements(graph, roles),
            "node_rows": nodes,
            "edge_rows": edges,
        },
    )


def network_detail(request: HttpRequest, public_id) -> HttpResponse:
    network = network_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, network)
    members = list(network.members.select_related("person"))
    roles = {m.person_id: m.get_role_display() for m in members}
    member_ids = {m.person_id for m in members}
    graph = link_graph.subgraph_around(
        link_graph.link_graph(request.user, around=member_ids), member_ids
    )
    # The graph holds every member the user may see (merged people are archived too).
    visible_ids = link_graph.people_shown(graph)
    link_of = links_to("cases:person-detail")
    may_analyse = network.owner_agency_id in access.agency_ids_with(
        request.user, Capability.ANALYSE
    )
    return _graph_page(
        request,
        "cases/network_detail.html",
        graph,
        {
            "network": network,
            "members": [
                (m, link_of(m.person.public_id) if m.person_id in visible_ids else "")
                for m in members
            ],
            "member_roles": NetworkMember.Role.choices,
            "may_analyse": may_analyse,
        },
        roles,
    )


@require_POST
def network_member_role(request: HttpRequest, public_id, member_id) -> HttpResponse:
    network = network_owned_for_analysis(request, public_id)
    member = network.members.filter(public_id=member_id).first()
    role = request.POST.get("role", "")
    if member is None or role not in NetworkMember.Role.values:
        raise Http404("No such record")
    services.network_member_role_set(member=member, role=role, by=request.user)
    messages.success(request, f"Role saved: {NetworkMember.Role(role).label.lower()}")
    return redirect("cases:network-detail", public_id=network.public_id)


def person_graph(request: HttpRequest, public_id) -> HttpResponse:
    person = person_for(request, public_id, Capability.VIEW_RECORDS)
    access.log_view(request, person)
    graph = link_graph.subgraph_around(link_graph.link_graph(request.user), {person.pk}, radius=2)
    return _graph_page(request, "cases/person_graph.html", graph, {"person": person})


class LinkForm(GovUKForm):
    relationship = forms.ChoiceField(label="How they are linked", choices=Relationship.choices)
    confidence = forms.ChoiceField(
        label="Confidence",
        choices=[
            ("high", "High: corroborated"),
            ("medium", "Medium: reliable source"),
            ("low", "Low: uncorroborated"),
            ("unknown", "Not graded"),
        ],
        initial="unknown",
    )
    first_linked_date = forms.DateField(
        label="Linked since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the date as a real date, like 2024-03-01"},
    )
    source = forms.CharField(label="Source of the information", max_length=300, required=False)


@require_http_methods(["GET", "POST"])
def association_new(request: HttpRequest, public_id) -> HttpResponse:
    """Link this person to another the user may see: search by name (posted), choose, grade."""
    person = person_for(request, public_id, Capability.VIEW_RECORDS)
    if not (
        access.can(request.user, Capability.EDIT_RECORDS, person)
        or access.can(request.user, Capability.ANALYSE, person)
    ):
        raise Http404("No such record")
    name = request.POST.get("name", "").strip()
    results = []
    if name:
        results = [
            r.person
            for r in selectors.person_search(user=request.user, criteria={"name": name})
            if r.person.pk != person.pk
        ]
    form = LinkForm(data=request.POST if "other" in request.POST else None)
    if "other" in request.POST and form.is_valid():
        other = (
            selectors.people_visible(user=request.user)
            .filter(public_id=request.POST["other"])
            .exclude(pk=person.pk)
            .first()
        )
        if other is None:
            raise Http404("No such record")
        agency_ids = access.agency_ids_with(
            request.user, Capability.ANALYSE
        ) or access.agency_ids_with(request.user, Capability.EDIT_RECORDS)
        services.association_create(
            from_person=person,
            to_person=other,
            owner_agency=Agency.objects.get(pk=agency_ids[0]),
            by=request.user,
            **form.cleaned_data,
        )
        messages.success(request, f"Linked to {other}")
        return redirect("cases:person-detail", public_id=person.public_id)
    return render(
        request,
        "cases/association_form.html",
        {"person": person, "name": name, "results": results, "form": form},
    )


class NetworkForm(GovUKModelForm):
    class Meta:
        model = Network
        fields = ["name", "status", "started_on", "notes"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "name": {"required": "Enter the network's name"},
            "started_on": {"invalid": "Enter the date as a real date, like 2024-03-01"},
        }


@require_http_methods(["GET", "POST"])
def network_edit(request: HttpRequest, public_id) -> HttpResponse:
    network = network_owned_for_analysis(request, public_id)
    form = NetworkForm(data=request.POST if request.method == "POST" else None, instance=network)
    if request.method == "POST" and form.is_valid():
        services.network_update(network=network, changes=form.cleaned_data, by=request.user)
        messages.success(request, "Network saved")
        return redirect("cases:network-detail", public_id=network.public_id)
    return render(request, "cases/network_edit.html", {"network": network, "form": form})


def network_owned_for_analysis(request: HttpRequest, public_id) -> Network:
    """A network the user may change: an analyst of the agency that holds it."""
    network = network_for(request, public_id, Capability.ANALYSE)
    if network.owner_agency_id not in access.agency_ids_with(request.user, Capability.ANALYSE):
        raise Http404("No such record")
    return network


def member_candidates(request: HttpRequest, network: Network) -> list:
    """People the analyst may see within two links of the network's members (or anyone linked
    to anyone, for an empty network), who are not members yet."""
    members = set(network.members.values_list("person_id", flat=True))
    graph = link_graph.link_graph(request.user)
    if members:
        graph = link_graph.subgraph_around(graph, members, radius=2)
    pks = [
        data["pk"]
        for _, data in graph.nodes(data=True)
        if data["kind"] == "person" and not data["restricted"] and data["pk"] not in members
    ]
    return sorted(
        selectors.people_visible(user=request.user)
        .filter(pk__in=pks, merged_into__isnull=True)
        .select_related("owner_agency"),
        key=str,
    )


@require_http_methods(["GET", "POST"])
def network_member_add(request: HttpRequest, public_id) -> HttpResponse:
    network = network_owned_for_analysis(request, public_id)
    form = NetworkMemberForm(
        data=request.POST if request.method == "POST" else None,
        people=member_candidates(request, network),
        initial={"role": NetworkMember.Role.UNKNOWN},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.network_member_add(
            network=network,
            person=data["person"],
            role=data["role"],
            joined_on=data["joined_on"],
            by=request.user,
        )
        messages.success(request, "Member added")
        return redirect("cases:network-detail", public_id=network.public_id)
    return render(request, "cases/network_member_form.html", {"network": network, "form": form})


@require_http_methods(["GET", "POST"])
def network_member_edit(request: HttpRequest, public_id, member_id) -> HttpResponse:
    network = network_owned_for_analysis(request, public_id)
    member = network.members.select_related("person").filter(public_id=member_id).first()
    if member is None:
        raise Http404("No such record")
    shown = selectors.people_visible(user=request.user).filter(pk=member.person_id).exists()
    initial = {name: getattr(member, name) for name in services.NETWORK_MEMBER_FIELDS}
    form = NetworkMemberForm(
        data=request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.network_member_update(
            member=member,
            changes={k: data[k] for k in services.NETWORK_MEMBER_FIELDS if data[k] != initial[k]},
            reason=data["reason"],
            by=request.user,
        )
        messages.success(request, "Member saved")
        return redirect("cases:network-detail", public_id=network.public_id)
    return render(
        request,
        "cases/network_member_form.html",
        {"network": network, "form": form, "member": member, "shown": shown},
    )
