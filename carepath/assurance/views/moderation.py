"""Moderation pages (F18): the moderations assigned to me, one moderation (the blind form while it
is mine and open; both sets of grades side by side once it is done), and the QA lead's draw of a
moderation sample. Thin: the rules are in services.moderation, the comparison in
selectors.reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from carepath.core.govuk_forms import checkbox_options
from carepath.core.pages import saved
from carepath.core.permissions import Function
from carepath.people.selectors import child_access_decision, child_for_reading

from .. import forms_moderation as forms
from ..models import AuditProgramme, CaseAudit, Moderation
from ..selectors.reports import log_children_shown, moderation_comparison
from ..services import moderation as services


@login_required
def moderations_mine(request):
    """The moderations assigned to me: those to do first (soonest due), then those done."""
    user = request.user
    mine = list(
        Moderation.objects.filter(moderator=user)
        .select_related("audit__child", "audit__programme")
        .order_by("status", "due_on", "pk")
    )
    today = timezone.localdate()
    rows = []
    for moderation in mine:
        child = moderation.audit.child
        rows.append(
            {
                "moderation": moderation,
                # Access lapses some weeks after a moderation is done (people.selectors).
                "child": child if child_access_decision(user, child).allowed else None,
                "overdue": moderation.status == Moderation.Status.ASSIGNED and moderation.due_on < today,
            }
        )
    log_children_shown(user, [r["child"] for r in rows if r["child"]], "Moderations assigned to me")
    return render(
        request,
        "assurance/moderation/mine.html",
        {
            "to_do": [r for r in rows if r["moderation"].status == Moderation.Status.ASSIGNED],
            "done": [r for r in rows if r["moderation"].status == Moderation.Status.COMPLETED],
        },
    )


def _may_open(user, moderation: Moderation) -> bool:
    return (
        user.pk in (moderation.moderator_id, moderation.audit.auditor_id)
        or user.can(Function.MANAGE_AUDITS)
        or user.can(Function.VIEW_ASSURANCE)
    )


@login_required
def moderation_detail(request, pk):
    """While the moderation is open, its moderator sees the child, the tool's questions and
    guidance, and the form: never the first auditor's grades, evidence, answers, actions, summary
    or overall grade (graded blind). Once it is complete, both sets of grades side by side."""
    user = request.user
    moderation = get_object_or_404(
        Moderation.objects.select_related(
            "audit__child", "audit__tool", "audit__programme", "audit__auditor", "moderator", "assigned_by"
        ),
        pk=pk,
    )
    if not _may_open(user, moderation):
        raise PermissionDenied("This moderation is not yours to see.")
    audit = moderation.audit
    child, _decision = child_for_reading(
        actor=user, public_id=audit.child.public_id, what="Moderation of a case audit"
    )
    is_moderator = user.pk == moderation.moderator_id
    context = {"moderation": moderation, "audit": audit, "child": child, "is_moderator": is_moderator}
    if moderation.status == Moderation.Status.COMPLETED:
        context["comparison"] = moderation_comparison(moderation)
        return render(request, "assurance/moderation/comparison.html", context)
    if not is_moderator:
        # Someone else's open moderation: who and when, nothing of its grades.
        return render(request, "assurance/moderation/waiting.html", context)
    form = forms.ModerationForm(request.POST or None, moderation=moderation)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.moderation_complete(
                actor=user,
                moderation=moderation,
                grades=form.grades(),
                overall_grade=form.cleaned_data["overall_grade"],
                summary=form.cleaned_data["summary"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, "Your moderation is saved. Here are both sets of grades.")
        return redirect("assurance:moderation", pk=moderation.pk)
    context["form"] = form
    return render(request, "assurance/moderation/form.html", context)


@login_required
def moderation_sample(request):
    """The QA lead draws a share of a programme's completed audits for moderation."""
    user = request.user
    if not user.can(Function.MANAGE_AUDITS):
        raise PermissionDenied("Only the QA lead can draw a moderation sample.")
    programme = None
    chosen = request.POST.get("programme") or request.GET.get("programme")
    if chosen and str(chosen).isdigit():
        programme = AuditProgramme.objects.filter(pk=chosen).first()
    initial = {"programme": programme.pk} if programme is not None else {}
    form = forms.ModerationSampleForm(
        request.POST or None, moderators=services.moderator_choices(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = []

        def draw():
            made.extend(
                services.moderation_sample(
                    actor=user,
                    programme=data["programme"],
                    moderators=list(data["moderators"]),
                    share=data["share"],
                    due_on=data["due_on"],
                )
            )

        if saved(form, draw):
            messages.success(
                request,
                f"{len(made)} audit{'s' if len(made) != 1 else ''} sent for moderation from {data['programme'].name}.",
            )
            return redirect(f"{request.path}?programme={data['programme'].pk}")
    waiting = moderations = None
    if programme is not None:
        waiting = CaseAudit.objects.filter(
            programme=programme, status=CaseAudit.Status.COMPLETED, moderation__isnull=True
        ).count()
        moderations = list(
            Moderation.objects.filter(audit__programme=programme)
            .select_related("audit__child", "moderator")
            .order_by("status", "due_on", "pk")
        )
        log_children_shown(user, [m.audit.child for m in moderations], "Moderation sample")
    return render(
        request,
        "assurance/moderation/sample.html",
        {
            "form": form,
            "moderator_options": checkbox_options(form["moderators"]),
            "programme": programme,
            "waiting": waiting,
            "moderations": moderations,
        },
    )


urlpatterns = [
    path("assurance/moderation/mine/", moderations_mine, name="moderations-mine"),
    path("assurance/moderation/sample/", moderation_sample, name="moderation-sample"),
    path("assurance/moderation/<int:pk>/", moderation_detail, name="moderation"),
]
