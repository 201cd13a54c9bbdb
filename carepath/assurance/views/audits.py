"""Pages for case audits (F17): audit tools and their versions, programmes with their sample and
auditors, the auditor's list and the audit form, the audit as completed, its actions, and the
escalations waiting for a head of service. Thin: the rules are in services.audits, the reads
(scoped to the user, logging each child shown) in selectors.audits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from carepath.core.pages import action_done_page, saved
from carepath.core.permissions import Function
from carepath.core.reads import clocks_for
from carepath.people.models import Service, Team

from .. import forms_audits as forms
from ..models import AuditAction, AuditEscalation, AuditProgramme, AuditTool, CaseAudit
from ..selectors import audits as selectors
from ..services import audits as services


def _require(user, *functions: str, message: str = "Your role does not allow this.") -> None:
    if not any(user.can(f) for f in functions):
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------------------------
# Audit tools
# ---------------------------------------------------------------------------------------------


@login_required
def tools(request):
    user = request.user
    if not selectors.may_read_tools(user):
        raise PermissionDenied("Your role does not allow you to see audit tools.")
    services.tool_ensure_default()
    versions = list(AuditTool.objects.order_by("key", "-version_number"))
    by_key: dict[str, list[AuditTool]] = {}
    for tool in versions:
        by_key.setdefault(tool.key, []).append(tool)
    return render(
        request,
        "assurance/audits/tools.html",
        {"tools": list(by_key.values()), "can_manage": user.can(Function.MANAGE_AUDITS)},
    )


def _tool_for(user, pk) -> AuditTool:
    if not selectors.may_read_tools(user):
        raise PermissionDenied("Your role does not allow you to see audit tools.")
    return get_object_or_404(AuditTool, pk=pk)


@login_required
def tool_detail(request, pk):
    user = request.user
    tool = _tool_for(user, pk)
    domains = list(tool.domains.prefetch_related("questions"))
    has_draft = AuditTool.objects.filter(key=tool.key, status=AuditTool.Status.DRAFT).exists()
    return render(
        request,
        "assurance/audits/tool_detail.html",
        {
            "tool": tool,
            "domains": domains,
            "scale": [{**g, "shown": selectors.grade_shown(tool, g["code"])} for g in tool.grading_scale],
            "other_versions": AuditTool.objects.filter(key=tool.key).exclude(pk=tool.pk),
            "can_manage": user.can(Function.MANAGE_AUDITS),
            "has_draft": has_draft,
            "is_draft": tool.status == AuditTool.Status.DRAFT,
            "programmes_using": tool.programmes.count(),
            "audits_using": tool.audits.count(),
        },
    )


@login_required
@require_POST
def tool_new_version(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    tool = get_object_or_404(AuditTool, pk=pk)
    try:
        draft = services.tool_new_version(actor=user, tool=tool)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assurance:tool", pk=tool.pk)
    messages.success(
        request, f"Version {draft.version_number} has been created as a draft. Change it, then publish it."
    )
    return redirect("assurance:tool-edit", pk=draft.pk)


@login_required
def tool_edit(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    tool = get_object_or_404(AuditTool, pk=pk)
    if tool.status != AuditTool.Status.DRAFT:
        messages.info(
            request, "A published version cannot be changed. Create a new version to change the tool."
        )
        return redirect("assurance:tool", pk=tool.pk)
    form = forms.ToolDraftForm(request.POST or None, tool=tool)
    if (
        request.method == "POST"
        and "add_domain" not in request.POST
        and form.is_valid()
        and saved(
            form,
            lambda: services.tool_update_draft(
                actor=user,
                tool=tool,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                domains=form.domains(),
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, "The draft has been saved.")
        return redirect("assurance:tool", pk=tool.pk)
    return render(request, "assurance/audits/tool_form.html", {"tool": tool, "form": form})


@login_required
def tool_publish(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    tool = get_object_or_404(AuditTool, pk=pk)
    current = services.tool_published(tool.key)
    form = forms.ConfirmForm(request.POST or None, initial={"version": tool.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.tool_publish(
                actor=user, tool=tool, expected_version=form.cleaned_data["version"]
            ),
        )
    ):
        messages.success(request, f"Version {tool.version_number} is published. New programmes will use it.")
        return redirect("assurance:tool", pk=tool.pk)
    return render(
        request, "assurance/audits/tool_publish.html", {"tool": tool, "current": current, "form": form}
    )


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


@login_required
def programmes(request):
    user = request.user
    selectors.require_programmes(user)
    return render(
        request,
        "assurance/audits/programmes.html",
        {"programmes": selectors.programmes_for(user), "can_manage": user.can(Function.MANAGE_AUDITS)},
    )


def _chosen(model, value):
    try:
        return model.objects.get(pk=int(value))
    except (TypeError, ValueError, model.DoesNotExist):
        return None


@login_required
def programme_new(request):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    default_tool = services.tool_ensure_default()
    initial = {"tool": default_tool.pk, "moderation_share": 20, "kind": AuditProgramme.Kind.MONTHLY}
    counting = request.method == "POST" and "count" in request.POST
    form = forms.ProgrammeForm(request.POST or None, initial=initial)
    team = _chosen(Team, request.POST.get("team")) if request.method == "POST" else None
    service = _chosen(Service, request.POST.get("service")) if request.method == "POST" else None
    if request.method == "POST" and not counting and form.is_valid():
        data = form.cleaned_data
        made = {}

        def draw():
            made["programme"] = services.programme_draw(
                actor=user,
                name=data["name"],
                kind=data["kind"],
                theme=data["theme"],
                tool=data["tool"],
                cohort=data["cohort"],
                team=data["team"],
                service=data["service"],
                sample_size=data["sample_size"],
                due_on=data["due_on"],
                moderation_share=data["moderation_share"],
                seed=data["seed"],
            )

        if saved(form, draw):
            programme = made["programme"]
            messages.success(
                request,
                f"The sample of {programme.sample_size} children has been drawn (seed {programme.random_seed}). "
                "Now give each child an auditor.",
            )
            return redirect("assurance:programme", pk=programme.pk)
    return render(
        request,
        "assurance/audits/programme_form.html",
        {
            "form": form,
            "counts": selectors.cohort_counts(team=team, service=service if team is None else None),
            "counted_for": team or service,
            "counting": counting,
        },
    )


def _programme_page(request, programme, *, assign_form=None, evenly_form=None, status=200):
    user = request.user
    today = timezone.localdate()
    sample = selectors.programme_rows(user, programme, today=today, what="Audit programme")
    can_assign = (
        user.can(Function.MANAGE_AUDITS) and programme.closed_on is None and programme.due_on >= today
    )
    assignable = [r for r in sample.rows if r.audit is None or r.audit.status in selectors.OPEN_STATUSES]
    if can_assign and assign_form is None:
        assign_form = forms.AssignForm(rows=assignable)
    if can_assign and evenly_form is None and sample.waiting:
        evenly_form = forms.AssignEvenlyForm()
    return render(
        request,
        "assurance/audits/programme_detail.html",
        {
            "programme": programme,
            "sample": sample,
            "today": today,
            "can_assign": can_assign,
            "assign_form": assign_form if can_assign and assignable else None,
            "evenly_form": evenly_form if can_assign and sample.waiting else None,
            "can_withdraw": user.can(Function.MANAGE_AUDITS),
        },
        status=status,
    )


def _programme(user, pk) -> AuditProgramme:
    selectors.require_programmes(user)
    return get_object_or_404(
        AuditProgramme.objects.select_related("tool", "team", "service", "created_by"), pk=pk
    )


@login_required
def programme_detail(request, pk):
    return _programme_page(request, _programme(request.user, pk))


@login_required
@require_POST
def programme_assign(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    programme = _programme(user, pk)
    sample = selectors.programme_rows(user, programme, what=None)
    rows = [r for r in sample.rows if r.audit is None or r.audit.status in selectors.OPEN_STATUSES]
    form = forms.AssignForm(request.POST, rows=rows)
    if form.is_valid() and saved(
        form, lambda: services.audits_assign(actor=user, programme=programme, assignments=form.assignments())
    ):
        messages.success(request, "The auditors have been assigned. Each audit is in their list of audits.")
        return redirect("assurance:programme", pk=programme.pk)
    return _programme_page(request, programme, assign_form=form)


@login_required
@require_POST
def programme_assign_evenly(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    programme = _programme(user, pk)
    form = forms.AssignEvenlyForm(request.POST)
    if form.is_valid() and saved(
        form,
        lambda: services.audits_assign_evenly(
            actor=user, programme=programme, auditors=list(form.cleaned_data["auditors"])
        ),
    ):
        messages.success(request, "The children have been shared between the auditors.")
        return redirect("assurance:programme", pk=programme.pk)
    return _programme_page(request, programme, evenly_form=form)


# ---------------------------------------------------------------------------------------------
# Audits
# ---------------------------------------------------------------------------------------------


@login_required
def my_audits(request):
    user = request.user
    _require(user, Function.CONDUCT_AUDITS, message="Your role does not allow you to carry out case audits.")
    today = timezone.localdate()
    return render(
        request,
        "assurance/audits/my_audits.html",
        {
            "mine": selectors.my_audits(user, today=today, what="My audits"),
            "today": today,
            "recent_days": selectors.RECENTLY_COMPLETED_DAYS,
        },
    )


def _audit_sections(audit: CaseAudit) -> list[dict]:
    grades = {g.domain_id: g for g in audit.grades.all()}
    answers = {a.question_id: a for a in audit.answers.all()}
    return [
        {
            "domain": d,
            "grade": grades.get(d.pk),
            "shown": selectors.grade_shown(audit.tool, grades[d.pk].grade) if d.pk in grades else None,
            "questions": [(q, answers.get(q.pk)) for q in d.questions.all()],
        }
        for d in audit.tool.domains.prefetch_related("questions")
    ]


@login_required
def audit_detail(request, pk):
    user = request.user
    audit, _decision = selectors.audit_for(user, pk, what="Case audit")
    actions = list(audit.actions.select_related("owner", "done_by", "domain", "child"))
    clocks = {}
    for clock in clocks_for(
        context_type="audit_action", context_ids=[a.pk for a in actions], child_ids=[audit.child_id]
    ):
        clocks.setdefault(clock.context_id, clock)
    for a in actions:
        a.clock = clocks.get(a.pk)
        a.may_mark_done = a.done_on is None and services.may_mark_action_done(user, a)
    escalation = _escalation_of(audit)
    due_clocks = clocks_for(context_type="case_audit", context_ids=[audit.pk], child_ids=[audit.child_id])
    # An audit under way is the auditor's working draft: others see its findings once it is complete.
    show_findings = audit.status == CaseAudit.Status.COMPLETED or audit.auditor_id == user.pk
    return render(
        request,
        "assurance/audits/audit_detail.html",
        {
            "audit": audit,
            "child": audit.child,
            "sections": _audit_sections(audit) if show_findings else [],
            "overall": selectors.grade_shown(audit.tool, audit.overall_grade) if show_findings else None,
            "show_findings": show_findings,
            "status_class": selectors.status_class(audit),
            "actions": actions,
            "escalation": escalation,
            "may_respond": escalation is not None
            and escalation.responded_on is None
            and escalation.escalated_to_id == user.pk,
            "due_clocks": due_clocks,
            "is_auditor": audit.auditor_id == user.pk,
            "is_open": audit.status in selectors.OPEN_STATUSES,
            "can_withdraw": audit.status in selectors.OPEN_STATUSES and user.can(Function.MANAGE_AUDITS),
            "can_see_programme": selectors.may_read_audits(user),
        },
    )


def _done_message(audit: CaseAudit) -> str:
    parts = ["The audit is complete."]
    count = audit.actions.count()
    if count:
        parts.append(f"{count} action{'s' if count != 1 else ''} added to the owners' work.")
    escalation = _escalation_of(audit)
    if escalation is not None:
        parts.append(f"It has been escalated to {escalation.escalated_to} for a response.")
    return " ".join(parts)


def _escalation_of(audit: CaseAudit) -> AuditEscalation | None:
    return AuditEscalation.objects.select_related("escalated_to", "responded_by").filter(audit=audit).first()


@login_required
def audit_edit(request, pk):
    user = request.user
    _require(user, Function.CONDUCT_AUDITS, message="Your role does not allow you to carry out case audits.")
    audit = get_object_or_404(CaseAudit.objects.only("pk", "auditor_id", "status"), pk=pk)
    if audit.auditor_id != user.pk:
        raise PermissionDenied("Only the auditor this audit is assigned to can record it.")
    audit, _decision = selectors.audit_for(user, pk, what="Case audit form")
    if audit.status not in selectors.OPEN_STATUSES:
        messages.info(request, "This audit is no longer open, so it cannot be changed.")
        return redirect("assurance:audit", pk=audit.pk)
    form = forms.AuditForm(request.POST or None, audit=audit)
    if request.method == "POST" and "add_action" not in request.POST and form.is_valid():
        if "complete" in request.POST:

            def complete():
                try:
                    services.audit_complete(
                        actor=user,
                        audit=audit,
                        grades=form.grades(),
                        answers=form.answers(),
                        actions=form.actions(),
                        expected_version=form.cleaned_data["version"],
                        **form.conversation(),
                    )
                except ValidationError as error:
                    # "At least one action" is shown on the first action row, where it is answered.
                    raise forms.actions_error_on_first_row(error) from None

            if saved(form, complete):
                messages.success(request, _done_message(audit))
                return redirect("assurance:audit", pk=audit.pk)
        elif saved(
            form,
            lambda: services.audit_save(
                actor=user,
                audit=audit,
                grades=form.grades(),
                answers=form.answers(),
                expected_version=form.cleaned_data["version"],
                **form.conversation(),
            ),
        ):
            if not form.actions():
                messages.success(request, "The audit has been saved as a draft.")
                return redirect("assurance:audit-edit", pk=audit.pk)
            # Actions are saved only on completion: stay on the form so the rows typed are kept.
            form.data = form.data.copy()
            form.data["version"] = str(audit.version)
            messages.success(
                request,
                "The audit has been saved as a draft. The actions below are saved when you complete the audit.",
            )
    return render(
        request,
        "assurance/audits/audit_form.html",
        {
            "audit": audit,
            "child": audit.child,
            "form": form,
            "sections": form.domain_sections(),
            "action_rows": form.action_sections(),
        },
    )


@login_required
def audit_withdraw(request, pk):
    user = request.user
    _require(user, Function.MANAGE_AUDITS, message=services.MANAGE_REFUSAL)
    audit, _decision = selectors.audit_for(user, pk, what="Withdraw a case audit")
    form = forms.WithdrawForm(request.POST or None, initial={"version": audit.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.audit_withdraw(
                actor=user,
                audit=audit,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, "The audit has been withdrawn.")
        if audit.programme_id:
            return redirect("assurance:programme", pk=audit.programme_id)
        return redirect("assurance:audit", pk=audit.pk)
    return render(request, "assurance/audits/audit_withdraw.html", {"audit": audit, "form": form})


@login_required
def audit_action_done(request, pk):
    action = get_object_or_404(AuditAction.objects.select_related("child", "owner", "audit", "domain"), pk=pk)
    user = request.user

    def done_url():
        if selectors.audits_visible_to(user).filter(pk=action.audit_id).exists():
            return reverse("assurance:audit", args=[action.audit_id])
        return reverse("people:home")

    return action_done_page(
        request,
        action=action,
        may_mark_done=services.may_mark_action_done,
        refusal="Only the action's owner or their manager can mark it done.",
        what="Mark a case audit action done",
        form_class=forms.ActionDoneForm,
        mark_done=lambda data: services.audit_action_done(
            actor=user,
            action=action,
            done_note=data["done_note"],
            done_on=data["done_on"],
            expected_version=data["version"],
        ),
        template="assurance/audits/action_done.html",
        done_url=done_url,
    )


# ---------------------------------------------------------------------------------------------
# Escalations
# ---------------------------------------------------------------------------------------------


@login_required
def escalations(request):
    user = request.user
    if not (user.can(Function.RESPOND_TO_AUDITS) or selectors.may_read_audits(user)):
        raise PermissionDenied("Your role does not allow you to see escalated audits.")
    mine = selectors.only_visible(user, list(selectors.escalations_for(user)))
    others = [e for e in selectors.open_escalations_visible_to(user) if e.escalated_to_id != user.pk]
    for e in mine + others:
        e.grade = selectors.grade_shown(e.audit.tool, e.audit.overall_grade)
    selectors.log_children(user, [e.child for e in mine + others], "Inadequate audits escalated")
    return render(
        request,
        "assurance/audits/escalations.html",
        {
            "waiting": [e for e in mine if e.responded_on is None],
            "answered": [e for e in mine if e.responded_on is not None],
            "others": others,
        },
    )


@login_required
def escalation_detail(request, pk):
    user = request.user
    escalation, _decision = selectors.escalation_for(user, pk, what="Inadequate audit escalated")
    may_respond = escalation.escalated_to_id == user.pk and escalation.responded_on is None
    form = forms.EscalationResponseForm(request.POST or None, initial={"version": escalation.version})
    if request.method == "POST":
        if not may_respond:
            raise PermissionDenied("Only the person this audit was escalated to can respond to it.")
        if form.is_valid() and saved(
            form,
            lambda: services.escalation_respond(
                actor=user,
                escalation=escalation,
                response=form.cleaned_data["response"],
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, "Your response has been recorded.")
            return redirect("assurance:escalations")
    audit = escalation.audit
    return render(
        request,
        "assurance/audits/escalation_detail.html",
        {
            "escalation": escalation,
            "audit": audit,
            "overall": selectors.grade_shown(audit.tool, audit.overall_grade),
            "sections": _audit_sections(audit),
            "form": form if may_respond else None,
        },
    )


urlpatterns = [
    path("assurance/tools/", tools, name="tools"),
    path("assurance/tools/<int:pk>/", tool_detail, name="tool"),
    path("assurance/tools/<int:pk>/new-version/", tool_new_version, name="tool-new-version"),
    path("assurance/tools/<int:pk>/edit/", tool_edit, name="tool-edit"),
    path("assurance/tools/<int:pk>/publish/", tool_publish, name="tool-publish"),
    path("assurance/programmes/", programmes, name="programmes"),
    path("assurance/programmes/new/", programme_new, name="programme-new"),
    path("assurance/programmes/<int:pk>/", programme_detail, name="programme"),
    path("assurance/programmes/<int:pk>/assign/", programme_assign, name="programme-assign"),
    path(
        "assurance/programmes/<int:pk>/assign-evenly/",
        programme_assign_evenly,
        name="programme-assign-evenly",
    ),
    path("assurance/my-audits/", my_audits, name="my-audits"),
    path("assurance/audits/<int:pk>/", audit_detail, name="audit"),
    path("assurance/audits/<int:pk>/edit/", audit_edit, name="audit-edit"),
    path("assurance/audits/<int:pk>/withdraw/", audit_withdraw, name="audit-withdraw"),
    path("assurance/audit-actions/<int:pk>/done/", audit_action_done, name="audit-action-done"),
    path("assurance/escalations/", escalations, name="escalations"),
    path("assurance/escalations/<int:pk>/", escalation_detail, name="escalation"),
]
