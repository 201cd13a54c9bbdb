"""Caseload, team and service pages, child search and break-glass. Thin: selectors decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function, Role

from . import selectors, services
from .forms import BreakGlassForm, ChildSearchForm
from .models import BreakGlassAccess, Child, Service, Team, User


def _require(user, function):
    if not user.can(function):
        raise PermissionDenied("Your role does not allow this.")


@login_required
def home(request):
    """The landing page: a worker's own caseload, or the right overview for other roles."""
    user = request.user
    if user.role == Role.PARTNER_REFERRER:
        return render(request, "people/partner_home.html")
    if user.role == Role.SYSTEM_ADMINISTRATOR:
        return render(request, "people/admin_home.html")
    if user.role == Role.TEAM_MANAGER and user.team_id:
        return redirect("people:team", team_id=user.team_id)
    if user.role in (Role.HEAD_OF_SERVICE,) and user.service_id:
        return redirect("people:service", service_id=user.service_id)
    _require(user, Function.VIEW_CHILD_RECORD)
    children = selectors.caseload_for(actor=user, worker=user)
    return render(request, "people/caseload.html", {"children": children, "worker": user, "own": True})


SEARCH_LIMIT = 50


@login_required
def child_search(request):
    """Search by name or case number. The form is POSTed so that no name or case number appears in a
    URL (browser history, server and proxy logs)."""
    _require(request.user, Function.VIEW_CHILD_RECORD)
    form = ChildSearchForm(request.POST or None)
    context = {"form": form, "results": None}
    if request.method == "POST" and form.is_valid():
        q = form.cleaned_data["q"].strip()
        name_query = Q()
        for term in q.split():
            name_query &= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
        matches = list(
            selectors.children_visible_to(request.user)
            .filter(Q(case_number__iexact=q) | name_query)
            .select_related("allocated_worker", "allocated_team")
            .order_by("last_name", "first_name")[: SEARCH_LIMIT + 1]
        )
        context.update(results=matches[:SEARCH_LIMIT], more_results=len(matches) > SEARCH_LIMIT)
        # Someone who may break the glass can find a record outside their scope by its exact
        # case number, and only by that, so that browsing other children is not possible.
        if not matches and request.user.can(Function.BREAK_GLASS):
            context["outside"] = Child.objects.filter(case_number__iexact=q).first()
    return render(request, "people/child_search.html", context)


@login_required
def teams(request):
    _require(request.user, Function.VIEW_TEAM)
    visible = selectors.teams_visible_to(request.user).order_by("service__name", "name")
    services = Service.objects.filter(teams__in=visible).distinct().order_by("name")
    return render(request, "people/teams.html", {"teams": visible, "services": services})


@login_required
def team_detail(request, team_id):
    team = get_object_or_404(Team.objects.select_related("service", "manager"), pk=team_id)
    if not selectors.team_visible_to(request.user, team):
        raise PermissionDenied("You cannot see this team.")
    rows = selectors.team_caseloads(actor=request.user, team=team)
    children = Paginator(selectors.team_children(actor=request.user, team=team), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "people/team.html",
        {
            "team": team,
            "rows": rows,
            "children": children,
            "can_manage_work": request.user.can(Function.MANAGE_WORK),
        },
    )


@login_required
def worker_caseload(request, team_id, worker_id):
    team = get_object_or_404(Team, pk=team_id)
    if not selectors.team_visible_to(request.user, team):
        raise PermissionDenied("You cannot see this team.")
    worker = get_object_or_404(User, pk=worker_id, team=team)
    children = selectors.caseload_for(actor=request.user, worker=worker)
    return render(
        request, "people/caseload.html", {"children": children, "worker": worker, "team": team, "own": False}
    )


@login_required
def service_detail(request, service_id):
    service = get_object_or_404(Service, pk=service_id)
    rows = selectors.service_summary(actor=request.user, service=service)
    totals = {
        k: sum(r[k] for r in rows) for k in ("total", "cp", "cla", "cin", "unallocated", "workers", "agency")
    }
    return render(request, "people/service.html", {"service": service, "rows": rows, "totals": totals})


@login_required
def break_glass(request, child_id):
    child = get_object_or_404(Child, public_id=child_id)
    _require(request.user, Function.BREAK_GLASS)
    if selectors.child_access_decision(request.user, child).allowed:
        return redirect("journey:child", child_id=child.public_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass_start(actor=request.user, child=child, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(
                request,
                "You have opened this record with break-glass access. Your reason has been recorded and will be reviewed.",
            )
            return redirect("journey:child", child_id=child.public_id)
    return render(
        request,
        "people/break_glass.html",
        {"form": form, "child_id": child.public_id, "case_number": child.case_number},
    )


@login_required
def break_glass_report(request):
    _require(request.user, Function.VIEW_ACCESS_REPORTS)
    accesses = Paginator(
        BreakGlassAccess.objects.select_related("user", "child").order_by("-started_at"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "people/break_glass_report.html", {"accesses": accesses})


# ---------------------------------------------------------------------------------------------
# Account management (system administrators)
# ---------------------------------------------------------------------------------------------


@login_required
def accounts(request):
    _require(request.user, Function.MANAGE_USERS)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    users = Paginator(
        User.objects.select_related("team").order_by("-is_active", "last_name", "first_name"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "people/accounts.html", {"users": users, "with_device": with_device})


@login_required
def account_edit(request, user_id):
    _require(request.user, Function.MANAGE_USERS)
    from carepath.core.concurrency import EditConflict

    from .forms import AccountForm, LeaverForm

    account = get_object_or_404(User, pk=user_id)
    initial = {name: getattr(account, name) for name in services.ACCOUNT_FIELDS}
    initial["team"] = account.team_id
    initial["stamp"] = services.account_stamp(account)
    form = AccountForm(request.POST or None, initial=initial, prefix="account")
    leaver_form = LeaverForm(request.POST if "leaver-left_on_0" in request.POST else None, prefix="leaver")
    if request.method == "POST" and "leaver-left_on_0" in request.POST:
        if leaver_form.is_valid():
            try:
                services.user_mark_leaver(
                    actor=request.user, user=account, left_on=leaver_form.cleaned_data["left_on"]
                )
            except ValidationError as error:
                add_service_errors(leaver_form, error)
            else:
                messages.success(request, f"{account}'s account is disabled. Their history is kept.")
                return redirect("people:accounts")
        form = AccountForm(initial=initial, prefix="account")
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        stamp = data.pop("stamp")
        try:
            services.user_update(actor=request.user, user=account, expected_version_stamp=stamp, **data)
        except EditConflict:
            form.add_error(
                None,
                "Someone else changed this account while you were editing. Your changes have not "
                "been saved: check the account and save again.",
            )
            form.data = form.data.copy()
            form.data["account-stamp"] = services.account_stamp(User.objects.get(pk=account.pk))
        else:
            messages.success(request, f"{account}'s account has been saved.")
            return redirect("people:accounts")
    return render(
        request, "people/account_edit.html", {"account": account, "form": form, "leaver_form": leaver_form}
    )
