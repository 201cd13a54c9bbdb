"""The timescales pages: a worker's own work, a team's work for its manager, escalations, a child's
clocks, the rules table and the authority's calendar. Thin: selectors read, services write and
decide what is allowed; the views only check the role before showing a form."""

import csv
from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from carepath.core.calendar import bank_holidays_between, describe_limit
from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.models import AccessBasis
from carepath.core.permissions import Function
from carepath.people.models import Team
from carepath.people.selectors import child_for_reading, team_visible_to, teams_visible_to

from . import selectors, services
from .engine import Status
from .events import CONTEXTS, EVENTS
from .forms import (
    AcknowledgeForm,
    ClosureAddForm,
    ClosureRemoveForm,
    LateReasonForm,
    ReassignForm,
    RuleChangeForm,
)
from .models import Acknowledgement, CalendarChange, ClosureDay, Deadline, LateReason, Reassignment, Rule
from .rulebook import Confidence, Kind
from .selectors import Bucket


def _require(user, *functions):
    """The user's role must grant at least one of the functions."""
    if not any(user.can(function) for function in functions):
        raise PermissionDenied("Your role does not allow this.")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


# Where the work of a clock is done, for records that have their own page: the page's URL name,
# given the record's id (the clock's context_id).
WHERE_IT_IS_DONE = {
    "case_audit": ("assurance:audit", "Open the audit"),
    "audit_action": ("assurance:audit-action-done", "Record the action done"),
    "audit_escalation": ("assurance:escalation", "Respond to the audit"),
    "direction_action": ("assurance:direction-action-done", "Record the action done"),
}


def _annotate(items, today: date, rules: dict[str, Rule], user=None):
    """Give each item what the pages show: its rule, its bucket, how late it is, who has it, and,
    for the person it is given to, where its work is done when that has its own page."""
    for item in items:
        where = WHERE_IT_IS_DONE.get(item.context_type)
        if where and item.status in Status.ACTIVE and user is not None and item.assigned_to_id == user.pk:
            item.where_url, item.where_label = reverse(where[0], args=[item.context_id]), where[1]
        item.rule = rules.get(item.rule_id)
        item.bucket = selectors.bucket_of(item, today) if item.status in Status.ACTIVE else ""
        item.days_late = max(0, (today - item.due_on).days)
        item.days_left = max(0, (item.due_on - today).days)
        item.responsible = item.assigned_to if item.assigned_to_id else item.child.allocated_worker
    return items


def _side_records(items) -> None:
    """Attach what people recorded about each item (kept against the stable key, not the row)."""
    keys = [item.key for item in items]
    acknowledgements, reasons = defaultdict(list), defaultdict(list)
    for ack in Acknowledgement.objects.filter(deadline_key__in=keys).select_related("acknowledged_by"):
        acknowledgements[ack.deadline_key].append(ack)
    for late in LateReason.objects.filter(deadline_key__in=keys).select_related("recorded_by"):
        reasons[late.deadline_key].append(late)
    for item in items:
        item.acknowledgements = acknowledgements.get(item.key, [])
        item.late_reasons = reasons.get(item.key, [])


def _counts(items) -> dict:
    counts = {Bucket.OVERDUE: 0, Bucket.TODAY: 0, Bucket.THIS_WEEK: 0, Bucket.LATER: 0}
    for item in items:
        counts[item.bucket] += 1
    counts["total"] = len(items)
    return counts


# ---------------------------------------------------------------------------------------------
# My work, a team's work, escalations
# ---------------------------------------------------------------------------------------------


@login_required
def my_work(request):
    user = request.user
    _require(user, Function.SEE_OWN_WORK)
    today = timezone.localdate()
    rules = selectors.rules_by_id()
    items = _annotate(list(selectors.work_for(user)), today, rules, user)
    groups = selectors.grouped_by_bucket(items, today)
    for group in groups:
        # Within each heading, a child's items sit together.
        group.items.sort(key=lambda i: (i.child.last_name, i.child.first_name, i.child_id, i.due_on, i.pk))
    escalated = list(
        selectors.open_escalations_for(user).select_related("child", "responsible").order_by("due_on", "pk")
    )
    for escalation in escalated:
        escalation.rule = rules.get(escalation.rule_id)
        escalation.days_late = max(0, (today - escalation.due_on).days)
    teams = teams_visible_to(user).order_by("name") if user.can(Function.MANAGE_WORK) else Team.objects.none()
    return render(
        request,
        "timescales/my_work.html",
        {"groups": groups, "counts": _counts(items), "escalated": escalated, "teams": teams, "today": today},
    )


def _team_for(user, team_id: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("service", "manager"), pk=team_id)
    if not user.can(Function.MANAGE_WORK) or not team_visible_to(user, team):
        raise PermissionDenied("You cannot manage this team's work.")
    return team


GROUPINGS = {"worker": "By worker", "rule": "By rule"}


def _grouped(items, by: str) -> list[dict]:
    groups: dict = {}
    for item in items:
        if by == "rule":
            key = item.rule_id
            label = f"{item.rule.name} ({item.rule_id})" if item.rule else item.rule_id
            order = (item.rule.group if item.rule else "", item.rule_id)
        else:
            worker = item.responsible
            key = worker.pk if worker else 0
            label = str(worker) if worker else "Not allocated to a worker"
            # Unallocated work last: it is the manager's to give out.
            order = (worker is None, worker.last_name if worker else "", worker.first_name if worker else "")
        group = groups.setdefault(key, {"key": key, "label": label, "order": order, "items": []})
        group["items"].append(item)
    result = sorted(groups.values(), key=lambda g: g["order"])
    for number, group in enumerate(result, start=1):
        group["id"] = f"group-{number}"
        group["counts"] = _counts(group["items"])
    return result


def _team_page(request, team: Team, form: AcknowledgeForm | None = None):
    user = request.user
    today = timezone.localdate()
    by = request.GET.get("by") or request.POST.get("by") or "worker"
    if by not in GROUPINGS:
        by = "worker"
    items = _annotate(list(selectors.team_work(user, team.pk)), today, selectors.rules_by_id(), user)
    _side_records(items)
    if form is None:
        form = AcknowledgeForm(initial={"team": team.pk, "by": by}, items=items)
    selected = set(form.data.getlist("deadlines")) if form.is_bound else set()
    for item in items:
        item.selected = str(item.pk) in selected
    groups = _grouped(items, by)
    here = f"{reverse('timescales:team-work', args=[team.pk])}?{urlencode({'by': by})}"
    return render(
        request,
        "timescales/team_work.html",
        {
            "team": team,
            "by": by,
            "groupings": GROUPINGS,
            "groups": groups,
            "counts": _counts(items),
            "form": form,
            "first_pk": items[0].pk if items else None,
            "here": here,
            "today": today,
        },
    )


@login_required
def team_work(request, team_id):
    team = _team_for(request.user, team_id)
    return _team_page(request, team)


@login_required
@require_POST
def acknowledge(request):
    user = request.user
    try:
        team_id = int(request.POST.get("team", ""))
    except ValueError:
        raise Http404("No team given.") from None
    team = _team_for(user, team_id)
    items = list(selectors.team_work(user, team.pk))
    form = AcknowledgeForm(request.POST, items=items)
    if form.is_valid():
        chosen = set(form.cleaned_data["deadlines"])
        deadlines = [item for item in items if str(item.pk) in chosen]
        try:
            services.deadlines_acknowledge(
                actor=user, deadlines=deadlines, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = len(deadlines)
            messages.success(request, f"{count} item{'s' if count != 1 else ''} acknowledged.")
            by = form.cleaned_data["by"] if form.cleaned_data["by"] in GROUPINGS else "worker"
            return redirect(f"{reverse('timescales:team-work', args=[team.pk])}?{urlencode({'by': by})}")
    return _team_page(request, team, form)


def _deadline_for(request, pk: int) -> Deadline:
    """The item by its row id; or, where the child's clocks were recalculated since the page was
    opened (which gives the rows new ids), the same item by its stable key, so nothing typed is lost."""
    rows = Deadline.objects.select_related(
        "child", "child__allocated_worker", "child__allocated_team", "assigned_to", "assigned_to__team"
    )
    deadline = rows.filter(pk=pk).first()
    key = request.POST.get("key") or request.GET.get("key")
    if key and (deadline is None or deadline.key != key):
        deadline = rows.filter(key=key).first()
    if deadline is None:
        raise Http404("That item is no longer on anyone's list: it may have been done.")
    return deadline


def _child_context(request, child, decision, **context) -> dict:
    """What journey/child_base.html needs: the child's banner and the record's tabs."""
    context.update(
        child=child,
        access_basis=decision.basis,
        can_see_access=request.user.can(Function.VIEW_RECORD_ACCESS),
        tab="timescales",
    )
    return context


@login_required
def reassign(request, pk):
    user = request.user
    _require(user, Function.MANAGE_WORK)
    deadline = _deadline_for(request, pk)
    child, decision = child_for_reading(
        actor=user,
        public_id=deadline.child.public_id,
        what="Reassign a timescale",
        to_use_for=Function.MANAGE_WORK,
    )
    rules = selectors.rules_by_id()
    _annotate([deadline], timezone.localdate(), rules)
    form = ReassignForm(
        request.POST or None,
        initial={"key": deadline.key},
        workers=selectors.reassign_candidates(user, deadline),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_reassign(
                actor=user, deadline=deadline, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"This item is now with {form.cleaned_data['to']}.")
            return redirect(_safe_next(request, reverse("timescales:child", args=[child.public_id])))
    history = Reassignment.objects.filter(deadline_key=deadline.key).select_related(
        "assigned_to", "assigned_by"
    )
    return render(
        request,
        "timescales/reassign.html",
        _child_context(
            request,
            child,
            decision,
            item=deadline,
            form=form,
            history=history,
            next=_safe_next(request, ""),
        ),
    )


@login_required
def late_reason(request, pk):
    user = request.user
    deadline = _deadline_for(request, pk)
    responsible = deadline.assigned_to if deadline.assigned_to_id else deadline.child.allocated_worker
    # Checked before the record is opened, so that a refused page leaves no access event.
    if user != responsible and not user.can(Function.MANAGE_WORK):
        raise PermissionDenied("Only the person responsible or their manager can record why this was late.")
    child, decision = child_for_reading(
        actor=user, public_id=deadline.child.public_id, what="Record why a timescale was missed"
    )
    _annotate([deadline], timezone.localdate(), selectors.rules_by_id())
    form = LateReasonForm(request.POST or None, initial={"key": deadline.key})
    if request.method == "POST" and form.is_valid():
        try:
            services.late_reason_record(actor=user, deadline=deadline, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The reason has been recorded.")
            return redirect(_safe_next(request, reverse("timescales:child", args=[child.public_id])))
    reasons = LateReason.objects.filter(deadline_key=deadline.key).select_related("recorded_by")
    return render(
        request,
        "timescales/late_reason.html",
        _child_context(
            request,
            child,
            decision,
            item=deadline,
            form=form,
            reasons=reasons,
            next=_safe_next(request, ""),
        ),
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (a name can begin with '=' or '-')."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def escalations(request):
    user = request.user
    _require(user, Function.VIEW_CHILD_RECORD)
    rows = selectors.escalations_visible_to(user).order_by("-escalated_at", "-pk")
    sent_to_me = request.GET.get("to") == "me"
    if sent_to_me:
        rows = rows.filter(escalated_to=user)
    rules = selectors.rules_by_id()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="escalations-{timezone.localdate().isoformat()}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "Child",
                "Case number",
                "Rule",
                "Rule name",
                "Due",
                "Days overdue when escalated",
                "Level",
                "Escalated to",
                "Escalated at",
                "Responsible worker",
            ]
        )
        for e in rows.iterator(chunk_size=2000):
            rule = rules.get(e.rule_id)
            writer.writerow(
                [
                    _csv_cell(e.child.full_name),
                    _csv_cell(e.child.case_number),
                    _csv_cell(e.rule_id),
                    _csv_cell(rule.name if rule else ""),
                    e.due_on.isoformat(),
                    e.days_overdue,
                    _csv_cell(e.get_level_display()),
                    _csv_cell(e.escalated_to or "No one in post"),
                    timezone.localtime(e.escalated_at).strftime("%Y-%m-%d %H:%M"),
                    _csv_cell(e.responsible or "Not allocated"),
                ]
            )
        return response
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    still_open = set(
        Deadline.objects.filter(key__in=[e.deadline_key for e in page], status__in=Status.ACTIVE).values_list(
            "key", flat=True
        )
    )
    for e in page:
        e.rule = rules.get(e.rule_id)
        e.still_open = e.deadline_key in still_open
    query = {"to": "me"} if sent_to_me else {}
    return render(
        request,
        "timescales/escalations.html",
        {
            "escalations": page,
            "sent_to_me": sent_to_me,
            "csv_query": urlencode({**query, "format": "csv"}),
            "page_query": urlencode(query),
        },
    )


# ---------------------------------------------------------------------------------------------
# A child's clocks
# ---------------------------------------------------------------------------------------------


@login_required
def child_timescales(request, child_id):
    user = request.user
    child, decision = child_for_reading(
        actor=user, public_id=child_id, what="Timescales", to_use_for=Function.VIEW_CHILD_RECORD
    )
    today = timezone.localdate()
    clocks = _annotate(list(selectors.child_clocks(user, child)), today, selectors.rules_by_id(), user)
    _side_records(clocks)
    may_manage = user.can(Function.MANAGE_WORK) and decision.basis != AccessBasis.BREAK_GLASS
    for clock in clocks:
        late = clock.status in (Status.LATE, Status.MISSED) or clock.bucket == Bucket.OVERDUE
        clock.can_give_reason = late and (may_manage or clock.responsible == user)
        clock.can_reassign = may_manage and clock.status in Status.ACTIVE
    open_clocks = sorted((c for c in clocks if c.status in Status.ACTIVE), key=lambda c: (c.due_on, c.pk))
    history = sorted(
        (c for c in clocks if c.status not in Status.ACTIVE), key=lambda c: (c.due_on, c.pk), reverse=True
    )
    return render(
        request,
        "timescales/child.html",
        _child_context(request, child, decision, open_clocks=open_clocks, history=history, today=today),
    )


# ---------------------------------------------------------------------------------------------
# The rules and the calendar
# ---------------------------------------------------------------------------------------------


def _may_see_rules(user) -> None:
    # System administrators change the rules without seeing any child's record.
    _require(user, Function.VIEW_CHILD_RECORD, Function.MANAGE_TIMESCALES)


def _describe(rule: Rule) -> dict:
    spec = rule.to_spec()
    if rule.kind == Kind.FLAG:
        limit = "As soon as it happens"
    else:
        limit = describe_limit(rule.limit, rule.unit)
        if rule.counting == "beginning_with":
            limit += ", counting the first day"
        if rule.limit_from:
            limit += f" (or the {rule.limit_from.replace('_', ' ')} where set)"
    return {
        "rule": rule,
        "limit": limit,
        "confidence": Confidence.LABELS.get(rule.confidence, rule.confidence),
        "evaluated": spec.evaluated,
        "context": CONTEXTS[spec.context].label,
        "starts": EVENTS[rule.start_event].label if rule.start_event in EVENTS else rule.start_event,
        "stops": EVENTS[rule.end_event].label if rule.end_event in EVENTS else rule.end_event,
    }


@login_required
def rules(request):
    _may_see_rules(request.user)
    if not Rule.objects.exists():
        services.rules_ensure_loaded()
    groups: dict[str, list[dict]] = {}
    # In the order of the rules file, which follows a child's journey.
    for rule in Rule.objects.order_by("pk"):
        groups.setdefault(rule.group, []).append(_describe(rule))
    return render(
        request,
        "timescales/rules.html",
        {"groups": list(groups.items()), "can_change": request.user.can(Function.MANAGE_TIMESCALES)},
    )


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_shown(v)}" for k, v in value.items())
    return str(value)


@login_required
def rule_detail(request, rule_id):
    _may_see_rules(request.user)
    rule = get_object_or_404(Rule, rule_id=rule_id)
    changes = [
        {
            "change": change,
            "added": change.field == "(added)",
            "old": _shown(change.old_value),
            "new": _shown(change.new_value),
        }
        for change in rule.changes.select_related("changed_by")
    ]
    return render(
        request,
        "timescales/rule.html",
        {
            **_describe(rule),
            "changes": changes,
            "warn_days": _shown(rule.warn_days),
            "escalate_after_days": _shown(rule.escalate_after_days),
            "applies_to": _shown(rule.applies_to) if rule.applies_to else "Every child in the span",
            "supersedes": _shown(rule.supersedes),
            "can_change": rule.configurable and request.user.can(Function.MANAGE_TIMESCALES),
        },
    )


@login_required
def rule_change(request, rule_id):
    user = request.user
    _require(user, Function.MANAGE_TIMESCALES)
    rule = get_object_or_404(Rule, rule_id=rule_id)
    if not rule.configurable:
        raise PermissionDenied(
            f"Rule {rule.rule_id} is set in law or statutory guidance, so it cannot be changed here."
        )
    form = RuleChangeForm(request.POST or None, rule=rule)
    conflict = None
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["version"]
        try:
            saved = services.rule_change(
                actor=user,
                rule=rule,
                expected_version=expected,
                reason=form.cleaned_data["reason"],
                **form.changes(),
            )
        except EditConflict as error:
            # Keep what they typed; show what the other person saved; the next save is theirs to make.
            conflict = _describe(error.record)
            conflict["warn_days"] = _shown(error.record.warn_days)
            conflict["escalate_after_days"] = _shown(error.record.escalate_after_days)
            form.add_error(
                None,
                "Someone else changed this rule while you were changing it. Your changes have not been "
                "saved. Check their changes below, then save again to keep yours.",
            )
            form.data = form.data.copy()
            form.data["version"] = error.record.version
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if saved.version == expected:
                messages.info(request, "Nothing was different, so the rule has not changed.")
            else:
                messages.success(
                    request, f"Rule {rule.rule_id} has been changed. Every child's timescales now follow it."
                )
            return redirect("timescales:rule", rule_id=rule.rule_id)
    return render(
        request,
        "timescales/rule_change.html",
        {**_describe(rule), "form": form, "conflict": conflict},
    )


@login_required
def calendar(request):
    user = request.user
    _may_see_rules(user)
    can_change = user.can(Function.MANAGE_TIMESCALES)
    today = timezone.localdate()
    first, last = date(today.year, 1, 1), date(today.year + 1, 12, 31)
    closures = ClosureDay.objects.filter(day__gte=first).select_related("added_by").order_by("day")
    add_form = ClosureAddForm(prefix="add")
    remove_form = ClosureRemoveForm(prefix="remove", closures=closures)
    failed = None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("Your role does not allow you to change the calendar.")
        action = request.POST.get("action")
        if action == "add":
            add_form = ClosureAddForm(request.POST, prefix="add")
            if add_form.is_valid():
                try:
                    closure = services.closure_day_add(actor=user, **add_form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(add_form, error)
                else:
                    messages.success(request, f"{_long_date(closure.day)} is now a closure day.")
                    return redirect("timescales:calendar")
            failed = add_form
        elif action == "remove":
            remove_form = ClosureRemoveForm(request.POST, prefix="remove", closures=closures)
            if remove_form.is_valid():
                day = remove_form.cleaned_data["closure"].day
                try:
                    services.closure_day_remove(
                        actor=user,
                        closure=remove_form.cleaned_data["closure"],
                        reason=remove_form.cleaned_data["reason"],
                    )
                except ValidationError as error:
                    add_service_errors(remove_form, error)
                else:
                    messages.success(request, f"{_long_date(day)} is a working day again.")
                    return redirect("timescales:calendar")
            failed = remove_form
    by_year: dict[int, list] = defaultdict(list)
    for day, name in bank_holidays_between(first, last).items():
        by_year[day.year].append((day, name))
    changes = Paginator(CalendarChange.objects.select_related("changed_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "timescales/calendar.html",
        {
            "bank_holidays": sorted(by_year.items()),
            "closures": closures,
            "add_form": add_form,
            "remove_form": remove_form,
            "failed": failed,
            "can_change": can_change,
            "changes": changes,
        },
    )


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"
