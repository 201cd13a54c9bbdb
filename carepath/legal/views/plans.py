"""A child's authorised plans (F04): the plan in force of each kind, the decision behind it, what
changed between versions, and the form that authorises a new version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function
from carepath.people.selectors import child_access_decision, child_for_reading

from ..forms_plans import PlanAuthoriseForm
from ..models.plans import PlanKind
from ..selectors.plans import decision_choices, plans_for_child, refused_attempts
from ..services.plans import plan_authorise, plan_in_force


def _child_page(request, template, child, access, **context):
    context.update(
        child=child,
        access_basis=access.basis,
        can_see_access=request.user.can(Function.VIEW_RECORD_ACCESS),
        tab="plans",
    )
    return render(request, template, context)


def _can_authorise(user, child) -> bool:
    return (
        user.can(Function.AUTHORISE_PLAN)
        and child_access_decision(user, child, Function.AUTHORISE_PLAN).allowed
    )


def _started_from(request, number: int) -> int | None:
    """The version a submitted form started from, if it is not the plan in force."""
    if request.method != "POST":
        return None
    try:
        expected = int(request.POST.get("expected_number", ""))
    except ValueError:
        return None
    return expected - 1 if 0 < expected < number else None


@login_required
def child_plans(request, child_id):
    child, access = child_for_reading(actor=request.user, public_id=child_id, what="Authorised plans")
    can_see_refusals = request.user.can(Function.VIEW_RECORD_ACCESS)
    return _child_page(
        request,
        "legal/plans/child_plans.html",
        child,
        access,
        plans=plans_for_child(actor=request.user, child=child),
        can_authorise=_can_authorise(request.user, child),
        can_see_refusals=can_see_refusals,
        refused=list(refused_attempts(actor=request.user, child=child)[:50]) if can_see_refusals else [],
    )


@login_required
def plan_authorise_view(request, child_id, kind):
    if kind not in PlanKind.values:
        raise Http404("No such kind of plan.")
    label = PlanKind(kind).label
    # Opening the form needs the right to authorise. A submitted form always goes to the service,
    # which refuses an attempt without that right or without a decision, and keeps a note of it.
    child, access = child_for_reading(
        actor=request.user,
        public_id=child_id,
        what=f"Authorise a new version of the {label.lower()}",
        to_use_for=None if request.method == "POST" else Function.AUTHORISE_PLAN,
    )
    current = plan_in_force(child, kind)
    number = current.number + 1 if current else 1
    choices = decision_choices(
        actor=request.user, child=child, kind=kind, starting_from=_started_from(request, number)
    )
    initial = PlanAuthoriseForm.initial_for(current, number=number)
    form = PlanAuthoriseForm(
        request.POST or None,
        initial=initial,
        decision_choices=[(c.value, c.label) for c in choices],
        rows=initial["action_rows"],
        first_version=current is None,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((c for c in choices if c.value == data["decision"]), None)
        try:
            plan = plan_authorise(
                actor=request.user,
                child=child,
                kind=kind,
                summary=data["summary"],
                actions=data["actions"],
                contingency=data["contingency"],
                decision_kind=chosen.kind if chosen else "",
                decision=chosen.decision if chosen else None,
                decision_summary=data["decision_summary"],
                authorised_on=data["authorised_on"],
                change_summary=data.get("change_summary", ""),
                expected_number=data["expected_number"],
            )
        except EditConflict as error:
            # Keep what they typed; show the version the other person authorised.
            conflict = error.record
            form.add_error(
                None,
                f"Someone else authorised a new version of the {label.lower()} while you were working on "
                "this one. Yours has not been saved. Check their version below, then save again to make "
                "yours the next version.",
            )
            form.data = form.data.copy()
            form.data["expected_number"] = (conflict.number + 1) if conflict else 1
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Version {plan.number} of the {label.lower()} is now in force.")
            return redirect("legal:child-plans", child_id=child.public_id)
    return _child_page(
        request,
        "legal/plans/authorise.html",
        child,
        access,
        form=form,
        kind=kind,
        label=label,
        current=current,
        number=form.data.get("expected_number", number) if form.is_bound else number,
        has_choices=bool(choices),
        conflict=conflict,
    )


urlpatterns = [
    path("children/<uuid:child_id>/plans/", child_plans, name="child-plans"),
    path("children/<uuid:child_id>/plans/<str:kind>/new/", plan_authorise_view, name="plan-authorise"),
]
