"""Police protection pages (F09): the thematic report, a child's uses of police protection with the
72-hour clock, and the management review of each use."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from carepath.core.govuk_forms import add_service_errors
from carepath.core.models import AccessBasis
from carepath.core.permissions import Function
from carepath.people.models import ChildStatus
from carepath.people.selectors import child_for_reading

from ..forms_police_protection import EndForm, PeriodForm, PoliceProtectionForm, ReviewForm
from ..models import PoliceProtection
from ..selectors import police_protection as selectors
from ..selectors.common import clocks_for
from ..services import police_protection as services
from .common import saved


def _require(user, function: str, message: str = "Your role does not allow this.") -> None:
    if not user.can(function):
        raise PermissionDenied(message)


def _child_page(request, child, decision, template: str, **context):
    user = request.user
    own_scope = decision.basis != AccessBasis.BREAK_GLASS  # break-glass is for reading only
    context.update(
        child=child,
        access_basis=decision.basis,
        can_see_access=user.can(Function.VIEW_RECORD_ACCESS),
        can_record=user.can(Function.RECORD_LEGAL) and own_scope,
        can_review=user.can(Function.REVIEW_LEGAL_CASES) and own_scope,
    )
    return render(request, template, context)


@login_required
def report(request):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    date_from, date_to = selectors.default_period()
    asked = any(key.startswith(("date_from", "date_to")) for key in request.GET)
    form = PeriodForm(request.GET if asked else None, initial={"date_from": date_from, "date_to": date_to})
    if asked and form.is_valid():
        # A period given by one end only runs 6 months from it (or to today).
        date_to = form.cleaned_data["date_to"] or date_to
        date_from = form.cleaned_data["date_from"] or selectors.default_period(date_to)[0]
    result = selectors.police_protection_report(user, date_from=date_from, date_to=date_to)
    bars = _bars(result.figures, result.largest)
    return render(
        request,
        "legal/police_protection/report.html",
        {"form": form, "report": result, "bars": bars, "chart_height": len(bars) * BAR_ROW + 8},
    )


BAR_ROW = 40  # height of one bar and its label in the chart, in SVG units
BAR_WIDTH = 520


def _bars(figures, largest: int) -> list[dict]:
    """The chart's geometry. Inline SVG attributes, not style attributes: the content security
    policy forbids inline styles. The table after the chart carries the same figures in words."""
    bars = []
    for i, figure in enumerate(figures):
        top = i * BAR_ROW
        width = round(BAR_WIDTH * figure.value / largest) if figure.value else 0
        bars.append(
            {
                "label": figure.label,
                "value": figure.value,
                "y_text": top + 13,
                "y": top + 18,
                "y_value": top + 30,
                "width": width,
                "colour": "#d4351c" if figure.key in ("judged_yes", "overdue") else "#1d70b8",
            }
        )
    return bars


def _child_pp_page(request, child, decision, *, log_form=None, end_form=None):
    uses = selectors.child_uses(child)
    still_held = next((u for u in uses if u.pp.ended_at is None), None)
    if still_held is not None and end_form is None:
        end_form = EndForm(initial={"version": still_held.pp.version})
    return _child_page(
        request,
        child,
        decision,
        "legal/police_protection/child.html",
        uses=uses,
        still_held=still_held,
        log_form=log_form or PoliceProtectionForm(),
        end_form=end_form,
        clocks=clocks_for(
            context_type="police_protection", context_ids=[u.pp.pk for u in uses], child_ids=[child.pk]
        ),
    )


@login_required
def child_police_protection(request, child_id):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    posting = request.method == "POST"
    if posting:
        _require(user, Function.RECORD_LEGAL)
    child, decision = child_for_reading(
        actor=user,
        public_id=child_id,
        what="Record police protection" if posting else "Police protection",
        to_use_for=Function.RECORD_LEGAL if posting else None,
    )
    form = PoliceProtectionForm(request.POST if posting else None)
    if posting and form.is_valid():
        try:
            services.police_protection_record(actor=user, child=child, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "The police protection has been logged and its management review has been opened."
            )
            return redirect("legal:child-police-protection", child_id=child.public_id)
    return _child_pp_page(request, child, decision, log_form=form)


@login_required
def end(request, pk):
    user = request.user
    _require(user, Function.RECORD_LEGAL)
    pp = get_object_or_404(PoliceProtection.objects.select_related("child"), pk=pk)
    if request.method != "POST":
        return redirect("legal:child-police-protection", child_id=pp.child.public_id)
    child, decision = child_for_reading(
        actor=user,
        public_id=pp.child.public_id,
        what="End police protection",
        to_use_for=Function.RECORD_LEGAL,
    )
    pp.child = child
    form = EndForm(request.POST)
    if form.is_valid() and saved(
        form,
        lambda: services.police_protection_end(
            actor=user,
            pp=pp,
            ended_at=form.cleaned_data["ended_at"],
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, "The end of police protection has been recorded.")
        return redirect("legal:child-police-protection", child_id=child.public_id)
    return _child_pp_page(request, child, decision, end_form=form)


@login_required
def review(request, pk):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    pp = get_object_or_404(PoliceProtection.objects.select_related("child", "review__reviewer"), pk=pk)
    the_review = selectors.review_of(pp)
    posting = request.method == "POST"
    if posting:
        _require(
            user, Function.REVIEW_LEGAL_CASES, "Your role does not allow you to review police protection."
        )
    child, decision = child_for_reading(
        actor=user,
        public_id=pp.child.public_id,
        what="Police protection review",
        to_use_for=Function.REVIEW_LEGAL_CASES if posting else None,
    )
    pp.child = child
    form = None
    if the_review is not None:
        form = ReviewForm(
            request.POST if posting else None,
            initial={
                "version": the_review.version,
                "could_have_acted_earlier": the_review.could_have_acted_earlier,
                "findings": the_review.findings,
                "learning": the_review.learning,
            },
        )
        if (
            posting
            and form.is_valid()
            and saved(
                form,
                lambda: services.police_protection_review_complete(
                    actor=user,
                    review=the_review,
                    **{k: form.cleaned_data[k] for k in ("could_have_acted_earlier", "findings", "learning")},
                    expected_version=form.cleaned_data["version"],
                ),
            )
        ):
            messages.success(request, "The review of this police protection has been recorded.")
            return redirect("legal:police-protection-review", pk=pp.pk)
    return _child_page(
        request,
        child,
        decision,
        "legal/police_protection/review.html",
        pp=pp,
        review=the_review,
        hours=selectors.hours_held(pp),
        status_label=dict(ChildStatus.choices).get(the_review.status_when_taken, "") if the_review else "",
        form=form,
    )


urlpatterns = [
    path("legal/police-protection/", report, name="police-protection-report"),
    path("legal/police-protection/<int:pk>/end/", end, name="police-protection-end"),
    path("legal/police-protection/<int:pk>/review/", review, name="police-protection-review"),
    path(
        "children/<uuid:child_id>/police-protection/", child_police_protection, name="child-police-protection"
    ),
]
