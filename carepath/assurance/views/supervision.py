"""Supervision and management oversight pages (F16): a supervisor's list of the people they
supervise, recording a session with its case directions, a session, a worker's own supervision,
management oversight of a child at a key point, marking an action done, and compliance per worker,
team and service. Thin: the rules are in services.supervision, the reads in selectors.supervision."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from carepath.core.pages import action_done_page, paged, saved
from carepath.core.permissions import Function
from carepath.core.reads import log_reads
from carepath.people.models import User
from carepath.people.selectors import child_for_reading

from .. import forms_supervision as forms
from ..models import DirectionAction, SupervisionSession
from ..selectors import supervision as selectors
from ..services import supervision as services


def _require(user, function: str, message: str) -> None:
    if not (user.is_authenticated and user.can(function)):
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------------------------
# A supervisor's page
# ---------------------------------------------------------------------------------------------


@login_required
def supervision_home(request):
    user = request.user
    _require(user, Function.RECORD_SUPERVISION, "Your role does not include supervising others.")
    today = timezone.localdate()
    rows = selectors.supervision_status(selectors.supervisees_of(user, today), today)
    return render(
        request,
        "assurance/supervision/home.html",
        {
            "rows": rows,
            "today": today,
            "escalations": selectors.escalated_to(user)[:50],
            "can_view_compliance": user.can(Function.VIEW_ASSURANCE),
        },
    )


# ---------------------------------------------------------------------------------------------
# Recording a session
# ---------------------------------------------------------------------------------------------


def _chosen_supervisee(request, people: list[User]) -> User | None:
    raw = request.GET.get("supervisee", "")
    if not raw.isdigit():
        return None
    return next((p for p in people if p.pk == int(raw)), None)


@login_required
def supervision_record(request):
    user = request.user
    _require(user, Function.RECORD_SUPERVISION, "Your role does not allow you to record supervision.")
    people = selectors.supervisable_by(user)
    supervisee = _chosen_supervisee(request, people)
    if supervisee is None:
        # First, who: the children offered depend on the supervisee's caseload.
        choose = forms.ChooseSuperviseeForm(
            request.GET if "supervisee" in request.GET else None, people=people
        )
        if choose.is_bound:
            choose.is_valid()
        return render(request, "assurance/supervision/choose.html", {"form": choose, "people": people})
    children = selectors.caseload_for_supervision(user, supervisee)
    owners = {c.pk: selectors.owners_for(c, user, supervisee) for c in children}
    form = forms.SessionForm(
        request.POST or None,
        children=children,
        owners=owners,
        initial={"uninterrupted": "yes", "held_on": timezone.localdate()},
    )
    made = []
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: made.append(
                services.session_record(
                    actor=user, supervisee=supervisee, directions=form.directions(), **form.values()
                )
            ),
        )
    ):
        session = made[0]
        discussed = len(form.directions())
        messages.success(
            request,
            f"The session with {supervisee} has been recorded"
            + (
                f", with case directions for {discussed} child{'ren' if discussed != 1 else ''}."
                if discussed
                else "."
            ),
        )
        return redirect("assurance:supervision-session", pk=session.pk)
    # The form names each child on the supervisee's caseload: a read of each.
    log_reads(user, children, "Record supervision: the supervisee's caseload")
    return render(
        request,
        "assurance/supervision/record.html",
        {"form": form, "supervisee": supervisee, "children": children},
    )


# ---------------------------------------------------------------------------------------------
# A session
# ---------------------------------------------------------------------------------------------


@login_required
def supervision_session(request, pk):
    user = request.user
    page = selectors.session_for(user, pk)
    return render(
        request,
        "assurance/supervision/session.html",
        {
            "page": page,
            "session": page.session,
            "can_change": page.session.supervisor_id == user.pk and user.can(Function.RECORD_SUPERVISION),
        },
    )


@login_required
def supervision_session_edit(request, pk):
    user = request.user
    _require(user, Function.RECORD_SUPERVISION, "Your role does not allow you to record supervision.")
    session = get_object_or_404(SupervisionSession.objects.select_related("supervisee"), pk=pk)
    if session.supervisor_id != user.pk:
        raise PermissionDenied("Only the supervisor who recorded this session can change it.")
    form = forms.SessionChangeForm(
        request.POST or None,
        initial={
            "held_on": session.held_on,
            "duration_minutes": session.duration_minutes,
            "kind": session.kind,
            "uninterrupted": "yes" if session.uninterrupted else "no",
            "notes": session.notes,
            "version": session.version,
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.session_change(
                actor=user, session=session, expected_version=form.cleaned_data["version"], **form.values()
            ),
        )
    ):
        messages.success(request, "The session has been saved.")
        return redirect("assurance:supervision-session", pk=session.pk)
    return render(request, "assurance/supervision/session_edit.html", {"form": form, "session": session})


# ---------------------------------------------------------------------------------------------
# A worker's own supervision
# ---------------------------------------------------------------------------------------------


@login_required
def my_supervision(request):
    user = request.user
    today = timezone.localdate()
    status = None
    if user.role in selectors.SUPERVISED_ROLES:
        (status,) = selectors.supervision_status([user], today) or (None,)
    return render(
        request,
        "assurance/supervision/mine.html",
        {
            "status": status,
            "sessions": selectors.sessions_of(user, limit=24),
            "actions": selectors.actions_owned_by(user, today, what="My supervision: actions I own"),
            "today": today,
        },
    )


# ---------------------------------------------------------------------------------------------
# Management oversight of a child
# ---------------------------------------------------------------------------------------------


@login_required
def oversight_record(request, child_id):
    user = request.user
    _require(
        user, Function.RECORD_SUPERVISION, "Your role does not allow you to record management oversight."
    )
    child, _decision = child_for_reading(
        actor=user, public_id=child_id, what="Management oversight", to_use_for=Function.RECORD_SUPERVISION
    )
    owners = selectors.owners_for(child, user, child.allocated_worker)
    form = forms.OversightForm(
        request.POST or None, owners=owners, initial={"directed_on": timezone.localdate()}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.oversight_record(
                actor=user,
                child=child,
                key_point=form.cleaned_data["key_point"],
                decided=form.cleaned_data["decided"],
                why=form.cleaned_data["why"],
                directed_on=form.cleaned_data["directed_on"],
                actions=form.actions(),
            ),
        )
    ):
        messages.success(request, f"Management oversight has been recorded on {child.full_name}'s record.")
        return redirect("journey:child", child_id=child.public_id)
    return render(request, "assurance/supervision/oversight.html", {"form": form, "child": child})


# ---------------------------------------------------------------------------------------------
# Marking an action done
# ---------------------------------------------------------------------------------------------


@login_required
def direction_action_done(request, pk):
    action = get_object_or_404(
        DirectionAction.objects.select_related("child", "owner", "direction__directed_by", "done_by"), pk=pk
    )
    session_id = action.direction.session_id
    return action_done_page(
        request,
        action=action,
        may_mark_done=services.may_mark_done,
        refusal="Only the action's owner or a manager of this child's work can mark it done.",
        what="Mark a case direction action done",
        form_class=forms.ActionDoneForm,
        mark_done=lambda data: services.direction_action_done(
            actor=request.user,
            action=action,
            done_on=data["done_on"],
            done_note=data["done_note"],
            expected_version=data["version"],
        ),
        template="assurance/supervision/action_done.html",
        done_url=lambda: (
            reverse("assurance:supervision-session", args=[session_id])
            if session_id
            else reverse("assurance:my-supervision")
        ),
    )


# ---------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------

BAR_ROW = 40  # height of one bar and its label in the chart, in SVG units
BAR_WIDTH = 480


def _bars(groups) -> list[dict]:
    """The chart's geometry, one bar per team with a figure. Inline SVG attributes, not style
    attributes: the content security policy forbids inline styles. The table after the chart
    carries the same figures in words."""
    bars = []
    for i, group in enumerate(g for g in groups if g.compliance.percent is not None):
        percent = group.compliance.percent
        bars.append(
            {
                "label": f"{group.name}: {percent}% ({group.compliance.met} of {group.compliance.counted})",
                "value": f"{percent}%",
                "width": max(2, round(BAR_WIDTH * percent / 100)),
                "y_text": i * BAR_ROW + 13,
                "y": i * BAR_ROW + 18,
                "y_value": i * BAR_ROW + 30,
                # Dark blue on white; the figure is also written beside each bar.
                "colour": "#1d70b8",
            }
        )
    return bars


@login_required
def supervision_compliance(request):
    user = request.user
    workers = selectors.workers_for_assurance(user)  # refuses a reader without VIEW_ASSURANCE
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("months", "12")  # so that the period shown is the period counted
    filters = forms.ComplianceFilterForm(data)
    months = filters.month_count()
    period = selectors.Period(today - timedelta(days=round(months * 365 / 12)) + timedelta(days=1), today)
    statuses = selectors.supervision_status(workers, today, period)
    teams = selectors.compliance_by("team", period, statuses=statuses)
    services_rows = selectors.compliance_by("service", period, statuses=statuses)
    team_id, service_id, worker_id = (
        filters.chosen("team"),
        filters.chosen("service"),
        _int(request.GET.get("worker")),
    )
    chosen = statuses
    showing = ""
    if team_id:
        chosen = [r for r in statuses if r.worker.team_id == team_id]
        showing = next((g.name for g in teams if g.group is not None and g.group.pk == team_id), "")
    elif service_id:
        chosen = [r for r in statuses if r.worker.service_id == service_id]
        showing = next(
            (g.name for g in services_rows if g.group is not None and g.group.pk == service_id), ""
        )
    elif worker_id:
        chosen = [r for r in statuses if r.worker.pk == worker_id]
        showing = str(chosen[0].worker) if chosen else ""
    filtered = bool(team_id or service_id or worker_id)
    gap_rows = selectors.gaps([r.worker for r in chosen], since=period.start, today=today) if filtered else []
    bars = _bars(teams)
    # The figures count every worker; the table shows them a page at a time (a director's list of
    # every worker in the authority took longer to draw than to work out).
    workers_page, workers_query = paged(request, chosen, param="workers_page")
    return render(
        request,
        "assurance/supervision/compliance.html",
        {
            "filters": filters,
            "months": months,
            "period": period,
            "teams": teams,
            "services": services_rows,
            "rows": workers_page,
            "workers_query": workers_query,
            "filtered": filtered,
            "showing": showing,
            "gaps": gap_rows,
            "bars": bars,
            "chart_height": len(bars) * BAR_ROW + 8,
            "total": sum((g.compliance for g in teams), selectors.Compliance()),
        },
    )


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


urlpatterns = [
    path("assurance/supervision/", supervision_home, name="supervision"),
    path("assurance/supervision/record/", supervision_record, name="supervision-record"),
    path("assurance/supervision/sessions/<int:pk>/", supervision_session, name="supervision-session"),
    path(
        "assurance/supervision/sessions/<int:pk>/edit/",
        supervision_session_edit,
        name="supervision-session-edit",
    ),
    path("assurance/supervision/mine/", my_supervision, name="my-supervision"),
    path("assurance/supervision/compliance/", supervision_compliance, name="supervision-compliance"),
    path("assurance/supervision/actions/<int:pk>/done/", direction_action_done, name="direction-action-done"),
    path("children/<uuid:child_id>/oversight/new/", oversight_record, name="oversight-record"),
]
