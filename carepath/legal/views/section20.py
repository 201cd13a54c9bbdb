"""Section 20 pages (F08): the register of every child accommodated under section 20, a child's
consent records, and managers' reviews of every section 20 case."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.models import AccessBasis, Channel
from carepath.core.permissions import Function
from carepath.people.selectors import child_access_decision, child_for_reading

from ..forms_section20 import (
    ChangeConsentForm,
    NewConsentForm,
    ReviewCaseForm,
    ReviewStartForm,
    VersionForm,
    WithdrawConsentForm,
)
from ..models import Section20Consent, Section20Review, Section20ReviewCase
from ..selectors import section20 as selectors
from ..selectors.common import clocks_for, log_read
from ..services import section20 as services
from .common import saved
from .paging import paged


def _require(user, function: str, message: str = "Your role does not allow this.") -> None:
    if not user.can(function):
        raise PermissionDenied(message)


def _child_page(request, child, decision, template: str, **context):
    user = request.user
    # Break-glass opens a record for reading only.
    own_scope = decision.basis != AccessBasis.BREAK_GLASS
    context.update(
        child=child,
        access_basis=decision.basis,
        can_see_access=user.can(Function.VIEW_RECORD_ACCESS),
        can_record=user.can(Function.RECORD_LEGAL) and own_scope,
        can_authorise=user.can(Function.REVIEW_LEGAL_CASES) and own_scope,
    )
    return render(request, template, context)


def _consent_items(consent) -> list[tuple[str, bool]]:
    """Each yes-or-no item of a consent record, labelled as on the form."""
    fields = ChangeConsentForm.base_fields
    return [
        (fields[name].label, getattr(consent, name))
        for name in services.CONSENT_DETAILS
        if isinstance(fields[name], forms.BooleanField)
    ]


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (a name can begin with '=' or '-')."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------------------------
# The register
# ---------------------------------------------------------------------------------------------


def _page_of(request, rows) -> dict:
    """The page of the list the request asks for (long lists are paged: see views/paging.py)."""
    page, query = paged(request, rows)
    return {"rows_page": page, "query_without_page": query}


@login_required
def register(request):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    try:
        team_id = int(request.GET.get("team", ""))
    except ValueError:
        team_id = None
    flag = request.GET.get("flag") or None
    flag = flag if flag in selectors.Flag.LABELS else None
    sort = request.GET.get("sort", "weeks")
    result = selectors.section_20_register(user, team_id=team_id, flag=flag, sort=sort)
    if request.GET.get("format") == "csv":
        return _register_csv(user, result)
    query = {k: v for k, v in (("team", team_id), ("flag", flag), ("sort", sort)) if v}
    return render(
        request,
        "legal/section20/register.html",
        {
            "register": result,
            **_page_of(request, result.rows),
            "flags": [(f, selectors.Flag.LABELS[f], result.counts[f]) for f in selectors.Flag.ORDER],
            "team_id": team_id,
            "flag": flag,
            "flag_label": selectors.Flag.LABELS.get(flag, ""),
            "sort": sort,
            "csv_query": urlencode({**query, "format": "csv"}),
        },
    )


def _register_csv(user, result):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="section-20-register-{timezone.localdate().isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "Child",
            "Case number",
            "Age",
            "Team",
            "Social worker",
            "Section 20 since",
            "Weeks accommodated",
            "People with parental responsibility",
            "Consents complete",
            "Gaps in consent evidence",
            "Flags",
        ]
    )
    for row in result.rows:
        # An export is a read of each child's record: logged like a page.
        decision = child_access_decision(user, row.child)
        if not decision.allowed:
            continue
        log_read(user, row.child, decision, "Section 20 register export", Channel.EXPORT)
        writer.writerow(
            [
                _csv_cell(row.child.full_name),
                _csv_cell(row.child.case_number),
                "" if row.age is None else row.age,
                _csv_cell(row.child.allocated_team or ""),
                _csv_cell(row.child.allocated_worker or "Not allocated"),
                row.run.start_date.isoformat(),
                row.weeks,
                _csv_cell("; ".join(f"{h.person.first_name} {h.person.last_name}" for h in row.holders)),
                f"{row.complete_holders} of {len(row.holders)}",
                _csv_cell("; ".join(row.gaps)),
                _csv_cell("; ".join(row.flag_labels)),
            ]
        )
    return response


# ---------------------------------------------------------------------------------------------
# One child's section 20 accommodation and consents
# ---------------------------------------------------------------------------------------------


@login_required
def child_section_20(request, child_id):
    _require(request.user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    child, decision = child_for_reading(
        actor=request.user, public_id=child_id, what="Section 20 accommodation and consent"
    )
    run = selectors.latest_run(child)
    holders = selectors.holder_consents(run) if run else []
    for holder in holders:
        holder.items = _consent_items(holder.consent) if holder.consent else []
    people_with_consent = {h.person.pk for h in holders if h.consent is not None}
    clocks = (
        clocks_for(context_type="section_20", context_ids=[run.first_episode_id], child_ids=[child.pk])
        if run
        else []
    )
    return _child_page(
        request,
        child,
        decision,
        "legal/section20/child.html",
        run=run,
        holders=holders,
        gaps=selectors.child_consent_gaps(child, run) if run else [],
        weeks=run.weeks(timezone.localdate()) if run else None,
        withdrawn=selectors.withdrawn_while_accommodated(run) if run else False,
        awaiting_consent=[p for p in (run.pr_holders if run else []) if p.pk not in people_with_consent],
        clocks=clocks,
    )


def _consent_values(data: dict) -> dict:
    return {name: data[name] for name in services.CONSENT_DETAILS} | {"given_at": data["given_at"]}


@login_required
def consent_new(request, child_id):
    _require(request.user, Function.RECORD_LEGAL)
    child, decision = child_for_reading(
        actor=request.user,
        public_id=child_id,
        what="Record a section 20 consent",
        to_use_for=Function.RECORD_LEGAL,
    )
    run = selectors.current_run(child)
    # Offer only the people with parental responsibility who have no consent for this run yet.
    recorded = {c.person_id for c in run.consents} if run else set()
    people = [p for p in run.pr_holders if p.pk not in recorded] if run else []
    initial = {"person": request.GET.get("person", "")}
    form = NewConsentForm(request.POST or None, people=people, initial=initial) if people else None
    if form is not None and request.method == "POST" and form.is_valid():
        person = next(p for p in people if str(p.pk) == form.cleaned_data["person"])
        try:
            services.section_20_consent_record(
                actor=request.user, child=child, person=person, **_consent_values(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"The consent of {person.first_name} {person.last_name} has been recorded."
            )
            return redirect("legal:child-section-20", child_id=child.public_id)
    return _child_page(
        request, child, decision, "legal/section20/consent_form.html", form=form, run=run, new=True
    )


def _consent_for(request, pk: int, what: str, function: str):
    _require(request.user, function)
    consent = get_object_or_404(
        Section20Consent.objects.select_related("child", "person", "authorised_by"), pk=pk
    )
    child, decision = child_for_reading(
        actor=request.user, public_id=consent.child.public_id, what=what, to_use_for=function
    )
    consent.child = child
    return consent, child, decision


@login_required
def consent_change(request, pk):
    consent, child, decision = _consent_for(request, pk, "Change a section 20 consent", Function.RECORD_LEGAL)
    initial = {name: getattr(consent, name) for name in services.CONSENT_DETAILS}
    initial.update(given_at=consent.given_at, version=consent.version)
    form = ChangeConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if saved(
            form,
            lambda: services.section_20_consent_update(
                actor=request.user, consent=consent, expected_version=data["version"], **_consent_values(data)
            ),
        ):
            messages.success(request, "The consent record has been changed.")
            return redirect("legal:child-section-20", child_id=child.public_id)
    return _child_page(
        request,
        child,
        decision,
        "legal/section20/consent_form.html",
        form=form,
        consent=consent,
        gaps=selectors.consent_missing(consent),
        new=False,
    )


@login_required
def consent_authorise(request, pk):
    consent, child, decision = _consent_for(
        request, pk, "Authorise a section 20 consent", Function.REVIEW_LEGAL_CASES
    )
    form = VersionForm(request.POST or None, initial={"version": consent.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.section_20_consent_authorise(
                actor=request.user, consent=consent, expected_version=form.cleaned_data["version"]
            )
        except EditConflict as error:
            form.add_error(
                None, "Someone else changed this consent record since you opened it. Check it again."
            )
            form.data = form.data.copy()
            form.data["version"] = error.record.version
            consent.refresh_from_db()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The consent has been authorised.")
            return redirect("legal:child-section-20", child_id=child.public_id)
    return _child_page(
        request,
        child,
        decision,
        "legal/section20/consent_authorise.html",
        form=form,
        consent=consent,
        items=_consent_items(consent),
        gaps=selectors.consent_missing(consent),
    )


@login_required
def consent_withdraw(request, pk):
    consent, child, decision = _consent_for(
        request, pk, "Record a section 20 consent withdrawn", Function.RECORD_LEGAL
    )
    form = WithdrawConsentForm(request.POST or None, initial={"version": consent.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.section_20_consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_at=form.cleaned_data["withdrawn_at"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(
            request,
            "The withdrawal of consent has been recorded. The child must return home, or legal advice "
            "be taken at once.",
        )
        return redirect("legal:child-section-20", child_id=child.public_id)
    return _child_page(
        request, child, decision, "legal/section20/consent_withdraw.html", form=form, consent=consent
    )


# ---------------------------------------------------------------------------------------------
# Reviews of every section 20 case
# ---------------------------------------------------------------------------------------------


@login_required
def reviews(request):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    return render(
        request,
        "legal/section20/reviews.html",
        {
            "reviews": selectors.reviews_with_progress(),
            "can_start": user.can(Function.REVIEW_LEGAL_CASES),
            "today": timezone.localdate(),
        },
    )


@login_required
def review_new(request):
    user = request.user
    _require(user, Function.REVIEW_LEGAL_CASES, "Your role does not allow you to start a section 20 review.")
    form = ReviewStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.section_20_review_start(actor=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The review has started with {review.cases.count()} children.")
            return redirect("legal:s20-review", pk=review.pk)
    return render(request, "legal/section20/review_new.html", {"form": form})


@login_required
def review_detail(request, pk):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    review = get_object_or_404(Section20Review.objects.select_related("started_by"), pk=pk)
    outstanding = request.GET.get("show") == "outstanding"
    return render(
        request,
        "legal/section20/review.html",
        {
            "cases": selectors.review_cases(user, review, outstanding_only=outstanding),
            "review": review,
            "outstanding": outstanding,
            "can_review": user.can(Function.REVIEW_LEGAL_CASES),
        },
    )


@login_required
def review_case(request, pk):
    user = request.user
    _require(user, Function.VIEW_LEGAL, "Your role does not include the legal pathway.")
    case = get_object_or_404(
        Section20ReviewCase.objects.select_related("review", "episode", "reviewer"), pk=pk
    )
    posting = request.method == "POST"
    if posting:
        _require(
            user, Function.REVIEW_LEGAL_CASES, "Your role does not allow you to review section 20 cases."
        )
    child, decision = child_for_reading(
        actor=user,
        public_id=case.child.public_id,
        what="Section 20 review case",
        to_use_for=Function.REVIEW_LEGAL_CASES if posting else None,
    )
    case.child = child
    form = ReviewCaseForm(
        request.POST or None, initial={"version": case.version, "finding": case.finding, "notes": case.notes}
    )
    if (
        posting
        and form.is_valid()
        and saved(
            form,
            lambda: services.section_20_review_case_record(
                actor=user,
                case=case,
                finding=form.cleaned_data["finding"],
                notes=form.cleaned_data["notes"],
                expected_version=form.cleaned_data["version"],
            ),
        )
    ):
        messages.success(request, f"The finding for {child.full_name} has been recorded.")
        return redirect("legal:s20-review", pk=case.review_id)
    run = selectors.latest_run(child)
    current = run if run and run.first_episode_id == case.episode_id else None
    return _child_page(
        request,
        child,
        decision,
        "legal/section20/review_case.html",
        case=case,
        form=form,
        run=current,
        gaps=selectors.child_consent_gaps(child, current) if current else [],
        weeks=current.weeks(timezone.localdate()) if current else None,
    )


urlpatterns = [
    path("legal/section-20/", register, name="s20-register"),
    path("legal/section-20/consents/<int:pk>/", consent_change, name="s20-consent-change"),
    path("legal/section-20/consents/<int:pk>/authorise/", consent_authorise, name="s20-consent-authorise"),
    path("legal/section-20/consents/<int:pk>/withdraw/", consent_withdraw, name="s20-consent-withdraw"),
    path("legal/section-20/reviews/", reviews, name="s20-reviews"),
    path("legal/section-20/reviews/new/", review_new, name="s20-review-new"),
    path("legal/section-20/reviews/<int:pk>/", review_detail, name="s20-review"),
    path("legal/section-20/review-cases/<int:pk>/", review_case, name="s20-review-case"),
    path("children/<uuid:child_id>/section-20/", child_section_20, name="child-section-20"),
    path("children/<uuid:child_id>/section-20/consents/new/", consent_new, name="s20-consent-new"),
]
