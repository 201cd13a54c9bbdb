"""Pages of the legal gateway panel (F01, F02, F03, F05, F26): the panel's tracker, requests,
meetings with their agenda, decisions and actions, and the legal workload. Thin: the rules are in
services.gateway, the reads (scoped to the user, logging the children shown) in selectors.gateway."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from carepath.core.govuk_forms import add_service_errors
from carepath.core.models import Channel
from carepath.core.pages import action_done_page
from carepath.core.permissions import Function, Role
from carepath.people.models import Child
from carepath.people.selectors import child_access_decision, child_for_reading

from .. import forms_gateway as forms
from ..models import GatewayRequest, LegalCase, PanelAction
from ..selectors import gateway as selectors
from ..selectors.common import clocks_for, log_read, visible_child_ids
from ..services import gateway as services
from .common import saved
from .paging import paged


def _require(user, *functions: str, message: str = "Your role does not allow this.") -> None:
    if not any(user.can(f) for f in functions):
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------------------------
# The tracker
# ---------------------------------------------------------------------------------------------


def _tracker_pages(request, user, today, owner_id, overdue_only) -> dict:
    """The open actions and the recently done ones, each paged (views/paging.py)."""
    actions, query = paged(
        request, selectors.open_actions(user, today=today, owner_id=owner_id, overdue_only=overdue_only)
    )
    done, done_query = paged(request, selectors.recently_done_actions(user, today=today), param="done_page")
    return {"actions": actions, "actions_query": query, "done": done, "done_query": done_query}


@login_required
def panel_tracker(request):
    user = request.user
    selectors.require_view_legal(user)
    today = timezone.localdate()
    filters = forms.TrackerFilterForm(request.GET or None, owners=selectors.action_owners(user))
    owner_id, overdue_only = filters.owner_id(), filters.overdue_only()
    return render(
        request,
        "legal/gateway/tracker.html",
        {
            "today": today,
            "waiting": selectors.waiting_for_panel(user, today=today),
            "meetings": selectors.tracker_meetings(user, today=today),
            **_tracker_pages(request, user, today, owner_id, overdue_only),
            "filters": filters,
            "filtered": owner_id is not None or overdue_only,
            "query": request.GET.urlencode(),
            "can_record_panel": user.can(Function.RECORD_PANEL),
            "done_days": selectors.DONE_ACTIONS_DAYS,
        },
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (a name can begin with '=' or '-')."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def panel_actions_csv(request):
    """The open actions (with the tracker's filters) as a spreadsheet. An export names children,
    so each child in it is logged as read through the export channel."""
    user = request.user
    selectors.require_view_legal(user)
    today = timezone.localdate()
    filters = forms.TrackerFilterForm(request.GET or None, owners=selectors.action_owners(user))
    rows = selectors.open_actions(
        user, today=today, owner_id=filters.owner_id(), overdue_only=filters.overdue_only()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="panel-actions-{today.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Child",
            "Case number",
            "Legal case",
            "Action",
            "Owner",
            "Set at the panel on",
            "Due",
            "Days overdue",
        ]
    )
    logged = set()
    for row in rows:
        a = row.action
        if a.child_id not in logged:
            decision = child_access_decision(user, a.child)
            log_read(user, a.child, decision, "Panel actions (export)", Channel.EXPORT)
            logged.add(a.child_id)
        writer.writerow(
            [
                _csv_cell(a.child.full_name),
                _csv_cell(a.child.case_number),
                _csv_cell(a.request.legal_case.reference),
                _csv_cell(a.action),
                _csv_cell(a.owner),
                a.set_on.isoformat(),
                a.due_on.isoformat(),
                row.days_overdue,
            ]
        )
    return response


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


def _family_choices(user, child: Child):
    """The child and the brothers and sisters the user may put to the panel; and how many others
    there are (counted, not named)."""
    family = (
        Child.objects.filter(family_id=child.family_id)
        if child.family_id
        else Child.objects.filter(pk=child.pk)
    )
    family = list(family)
    visible = visible_child_ids(user, {c.pk for c in family})
    usable = [
        c.pk
        for c in family
        if c.pk in visible and child_access_decision(user, c, Function.REQUEST_LEGAL_GATEWAY).allowed
    ]
    if child.pk not in usable:
        usable.append(child.pk)
    return Child.objects.filter(pk__in=usable).order_by("date_of_birth", "pk"), len(family) - len(usable)


@login_required
def gateway_request_new(request, child_id):
    user = request.user
    _require(
        user, Function.REQUEST_LEGAL_GATEWAY, message="Your role does not allow you to ask for the panel."
    )
    child, decision = child_for_reading(
        actor=user,
        public_id=child_id,
        what="Request for the legal gateway panel",
        to_use_for=Function.REQUEST_LEGAL_GATEWAY,
    )
    choices, hidden_siblings = _family_choices(user, child)
    try:
        open_case = services.open_legal_case_of([child])
    except ValidationError:
        open_case = None
    case_members = None
    if open_case is not None:
        members = [m.child for m in open_case.members.select_related("child")]
        case_members = selectors.children_shown(user, members, what=None)
    form = forms.GatewayRequestForm(request.POST or None, child=child, choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.gateway_request_create(
                actor=user,
                children=form.chosen_children(),
                route=data["route"],
                urgency=data["urgency"],
                requested_on=data["requested_on"],
                concerns=data["concerns"],
                history=data["history"],
                tried=data["tried"],
                question=data["question"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The request is on the panel's list ({made.legal_case.reference}).")
            return redirect("legal:gateway-request", pk=made.pk)
    return render(
        request,
        "legal/gateway/request_form.html",
        {
            "child": child,
            "access_basis": decision.basis,
            "can_see_access": user.can(Function.VIEW_RECORD_ACCESS),
            "form": form,
            "hidden_siblings": hidden_siblings,
            "open_case": open_case,
            "case_members": case_members,
        },
    )


@login_required
def gateway_request_detail(request, pk):
    user = request.user
    record, shown = selectors.gateway_request_for(user, pk, what="Legal gateway request")
    decisions = record.decisions.select_related("meeting", "child").filter(child_id__in=shown.ids)
    actions = list(record.actions.select_related("owner", "done_by", "child").filter(child_id__in=shown.ids))
    for a in actions:
        a.may_mark_done = services.may_mark_done(user, a)
    waiting = record.withdrawn_on is None and not record.decisions.exists()
    clocks = clocks_for(context_type="legal_gateway", context_ids=[record.pk], child_ids=shown.ids)
    return render(
        request,
        "legal/gateway/request_detail.html",
        {
            "record": record,
            "shown": shown,
            "decisions": decisions,
            "actions": actions,
            "clocks": clocks,
            "waiting": waiting,
            "can_withdraw": waiting
            and (user.can(Function.REQUEST_LEGAL_GATEWAY) or user.can(Function.RECORD_PANEL)),
            "can_assign_solicitor": any(user.can(f) for f in services.ASSIGN_SOLICITOR_FUNCTIONS),
            "can_record_panel": user.can(Function.RECORD_PANEL),
        },
    )


@login_required
def gateway_request_withdraw(request, pk):
    user = request.user
    _require(user, Function.REQUEST_LEGAL_GATEWAY, Function.RECORD_PANEL)
    record, shown = selectors.gateway_request_for(user, pk, what="Withdraw a legal gateway request")
    form = forms.WithdrawForm(request.POST or None, initial={"version": record.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.gateway_request_withdraw(
                actor=user,
                gateway_request=record,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, "The request has been withdrawn.")
        return redirect("legal:gateway-request", pk=record.pk)
    return render(request, "legal/gateway/withdraw.html", {"record": record, "shown": shown, "form": form})


@login_required
def legal_case_solicitor(request, pk):
    user = request.user
    _require(
        user,
        *services.ASSIGN_SOLICITOR_FUNCTIONS,
        message="Only the panel, managers and the director can give a legal case to a solicitor.",
    )
    case = get_object_or_404(LegalCase.objects.select_related("solicitor", "legal_team"), pk=pk)
    members = [m.child for m in case.members.select_related("child")]
    if not visible_child_ids(user, {c.pk for c in members}):
        raise PermissionDenied(
            "None of the children of this legal case is in your caseload, team or service."
        )
    shown = selectors.children_shown(user, members, what="Legal case: solicitor")
    form = forms.SolicitorForm(
        request.POST or None,
        initial={"version": case.version, "solicitor": case.solicitor_id, "legal_team": case.legal_team_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if saved(
            form,
            lambda: services.legal_case_assign_solicitor(
                actor=user,
                legal_case=case,
                solicitor=data["solicitor"],
                legal_team=data["legal_team"],
                expected_version=data["version"],
            ),
        ):
            messages.success(request, f"{case.reference} is now with {data['solicitor']}.")
            back = request.GET.get("request")
            if back and back.isdigit():
                return redirect("legal:gateway-request", pk=int(back))
            return redirect("legal:panel-tracker")
    return render(request, "legal/gateway/solicitor.html", {"case": case, "shown": shown, "form": form})


# ---------------------------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------------------------


def _meeting_values(data) -> dict:
    return {
        "held_on": data["held_on"],
        "chair": data["chair"],
        "attendees": list(data["attendees"]),
        "other_attendees": data["other_attendees"],
        "minutes": data["minutes"],
    }


@login_required
def panel_meeting_new(request):
    user = request.user
    _require(user, Function.RECORD_PANEL, message="Only panel members can record panel meetings.")
    form = forms.PanelMeetingForm(request.POST or None, initial={"chair": user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.panel_meeting_create(actor=user, **_meeting_values(form.cleaned_data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The panel meeting has been added.")
            return redirect("legal:panel-meeting", pk=meeting.pk)
    return render(request, "legal/gateway/meeting_form.html", {"form": form, "meeting": None})


@login_required
def panel_meeting_edit(request, pk):
    user = request.user
    _require(user, Function.RECORD_PANEL, message="Only panel members can record panel meetings.")
    meeting = selectors.meeting_for(user, pk)
    initial = {
        "held_on": meeting.held_on,
        "chair": meeting.chair_id,
        "attendees": list(meeting.attendees.values_list("pk", flat=True)),
        "other_attendees": meeting.other_attendees,
        "minutes": meeting.minutes,
        "version": meeting.version,
    }
    form = forms.PanelMeetingForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.panel_meeting_update(
                actor=user,
                meeting=meeting,
                expected_version=form.cleaned_data["version"] or meeting.version,
                **_meeting_values(form.cleaned_data),
            ),
        )
    ):
        messages.success(request, "The meeting has been saved.")
        return redirect("legal:panel-meeting", pk=meeting.pk)
    return render(request, "legal/gateway/meeting_form.html", {"form": form, "meeting": meeting})


def _agenda_form(user, meeting, data=None):
    rows = [r for r in selectors.waiting_for_panel(user) if r.request.listed_for_id != meeting.pk]
    return forms.AgendaForm(data, rows=rows)


def _meeting_page(request, meeting, agenda_form):
    user = request.user
    items, hidden_items = selectors.meeting_agenda(user, meeting, what="Legal gateway panel meeting")
    for item in items:
        for a in item.actions:
            a.may_mark_done = services.may_mark_done(user, a)
    attendees = list(meeting.attendees.order_by("last_name", "first_name"))
    return render(
        request,
        "legal/gateway/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "hidden_items": hidden_items,
            "attendees": attendees,
            "solicitor_present": any(a.role == Role.SOLICITOR for a in attendees),
            "held": meeting.held_on <= timezone.localdate(),
            "can_record_panel": user.can(Function.RECORD_PANEL),
            "agenda_form": agenda_form,
        },
    )


@login_required
def panel_meeting_detail(request, pk):
    user = request.user
    meeting = selectors.meeting_for(user, pk)
    return _meeting_page(
        request, meeting, _agenda_form(user, meeting) if user.can(Function.RECORD_PANEL) else None
    )


@login_required
@require_POST
def panel_meeting_agenda(request, pk):
    """Put requests on the meeting's agenda, or take one off (`remove`)."""
    user = request.user
    _require(user, Function.RECORD_PANEL, message="Only panel members can set the panel's agenda.")
    meeting = selectors.meeting_for(user, pk)
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        record = get_object_or_404(GatewayRequest, pk=int(remove), listed_for=meeting)
        try:
            services.panel_meeting_unlist_request(actor=user, gateway_request=record)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The request is back on the list waiting for a panel.")
        return redirect("legal:panel-meeting", pk=meeting.pk)
    form = _agenda_form(user, meeting, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                for record in form.cleaned_data["requests"]:
                    services.panel_meeting_list_request(actor=user, meeting=meeting, gateway_request=record)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The agenda has been updated.")
            return redirect("legal:panel-meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, form)


def _request_at_meeting(user, meeting, request_id: int, *, what: str):
    record, shown = selectors.gateway_request_for(user, request_id, what=what)
    considered = record.listed_for_id == meeting.pk or record.decisions.filter(meeting=meeting).exists()
    if not considered:
        raise Http404("This request is not on the meeting's agenda.")
    return record, shown


@login_required
def panel_decisions(request, pk, request_id):
    user = request.user
    _require(user, Function.RECORD_PANEL, message="Only panel members can record the panel's decisions.")
    meeting = selectors.meeting_for(user, pk)
    record, shown = _request_at_meeting(user, meeting, request_id, what="Legal gateway panel decisions")
    if shown.hidden:
        raise PermissionDenied(
            "This request includes a child whose record you cannot open, so you cannot record its decisions."
        )
    if record.decisions.exists():
        messages.info(request, "The panel's decisions on this request are already recorded.")
        return redirect("legal:panel-meeting", pk=meeting.pk)
    form = forms.DecisionsForm(
        request.POST or None, children=shown.children, initial={"version": record.version}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.panel_decisions_record(
                actor=user,
                meeting=meeting,
                gateway_request=record,
                decisions=form.decisions(),
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, "The panel's decisions have been recorded.")
        return redirect("legal:panel-meeting", pk=meeting.pk)
    attendees = list(meeting.attendees.all())
    return render(
        request,
        "legal/gateway/decisions_form.html",
        {
            "meeting": meeting,
            "record": record,
            "shown": shown,
            "form": form,
            "solicitor_present": any(a.role == Role.SOLICITOR for a in attendees),
        },
    )


@login_required
def panel_action_new(request, pk, request_id):
    user = request.user
    _require(user, Function.RECORD_PANEL, message="Only panel members can record the panel's actions.")
    meeting = selectors.meeting_for(user, pk)
    record, shown = _request_at_meeting(user, meeting, request_id, what="Legal gateway panel action")
    lead = services.lead_child(record)
    if lead.pk not in shown.ids:
        raise PermissionDenied("You cannot open the record this request's actions are kept on.")
    form = forms.PanelActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.panel_action_create(
                actor=user,
                meeting=meeting,
                gateway_request=record,
                action=data["action"],
                owner=data["owner"],
                due_on=data["due_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "The action has been added. It stays on the panel's tracker until it is done."
            )
            if "another" in request.POST:
                return redirect("legal:panel-action-new", pk=meeting.pk, request_id=record.pk)
            return redirect("legal:panel-meeting", pk=meeting.pk)
    return render(
        request,
        "legal/gateway/action_form.html",
        {"meeting": meeting, "record": record, "shown": shown, "lead": lead, "form": form},
    )


@login_required
def panel_action_done(request, pk):
    action = get_object_or_404(
        PanelAction.objects.select_related("child", "owner", "meeting", "request__legal_case"), pk=pk
    )
    return action_done_page(
        request,
        action=action,
        may_mark_done=services.may_mark_done,
        refusal="Only the action's owner or a panel member can mark it done.",
        what="Mark a panel action done",
        form_class=forms.ActionDoneForm,
        mark_done=lambda data: services.panel_action_done(
            actor=request.user,
            action=action,
            done_on=data["done_on"],
            note=data["note"],
            expected_version=data["version"],
        ),
        template="legal/gateway/action_done.html",
        done_url=lambda: reverse("legal:panel-tracker"),
    )


# ---------------------------------------------------------------------------------------------
# Legal workload (F05)
# ---------------------------------------------------------------------------------------------


@login_required
def workload(request):
    user = request.user
    selectors.require_view_legal(user)
    choices = selectors.workload_filters(user)
    filters = forms.WorkloadFilterForm(
        request.GET or None, solicitors=choices["solicitors"], teams=choices["teams"]
    )
    solicitor_id, team_id = filters.chosen("solicitor"), filters.chosen("legal_team")
    return render(
        request,
        "legal/gateway/workload.html",
        {
            "rows": selectors.workload_by_solicitor_and_team(user),
            "steps": selectors.step_waits(user, solicitor_id=solicitor_id, legal_team_id=team_id),
            "filters": filters,
            "filtered": solicitor_id is not None or team_id is not None,
            "window_days": selectors.WORKLOAD_WINDOW_DAYS,
        },
    )


urlpatterns = [
    path("legal/panel/", panel_tracker, name="panel-tracker"),
    path("legal/panel/actions.csv", panel_actions_csv, name="panel-actions-csv"),
    path("children/<uuid:child_id>/legal-gateway/new/", gateway_request_new, name="gateway-request-new"),
    path("legal/panel/requests/<int:pk>/", gateway_request_detail, name="gateway-request"),
    path(
        "legal/panel/requests/<int:pk>/withdraw/", gateway_request_withdraw, name="gateway-request-withdraw"
    ),
    path("legal/cases/<int:pk>/solicitor/", legal_case_solicitor, name="legal-case-solicitor"),
    path("legal/panel/meetings/new/", panel_meeting_new, name="panel-meeting-new"),
    path("legal/panel/meetings/<int:pk>/", panel_meeting_detail, name="panel-meeting"),
    path("legal/panel/meetings/<int:pk>/edit/", panel_meeting_edit, name="panel-meeting-edit"),
    path("legal/panel/meetings/<int:pk>/agenda/", panel_meeting_agenda, name="panel-meeting-agenda"),
    path(
        "legal/panel/meetings/<int:pk>/requests/<int:request_id>/decisions/",
        panel_decisions,
        name="panel-decisions",
    ),
    path(
        "legal/panel/meetings/<int:pk>/requests/<int:request_id>/actions/new/",
        panel_action_new,
        name="panel-action-new",
    ),
    path("legal/panel/actions/<int:pk>/done/", panel_action_done, name="panel-action-done"),
    path("legal/workload/", workload, name="workload"),
]
