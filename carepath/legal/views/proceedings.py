"""Care proceedings pages: families in proceedings (and those preparing to issue), one set of
proceedings with its 26-week timeline, and the forms for the PD12A checklist, the issue,
hearings, extensions, each child's care plans and final order."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function

from ..forms_proceedings import (
    ChildPlansForm,
    DocumentForm,
    ExtensionForm,
    FinalOrderForm,
    HearingForm,
    HearingUpdateForm,
    IssueForm,
    LetterToInitiateForm,
)
from ..models import ApplicationDocument
from ..selectors import proceedings as selectors
from ..services import proceedings as services
from .common import saved
from .pre_proceedings import may_record_for_all


def _require(user, function: str) -> None:
    if not user.can(function):
        raise PermissionDenied("Your role does not allow this.")


@login_required
@require_GET
def proceedings_list(request):
    _require(request.user, Function.VIEW_LEGAL)
    return render(
        request,
        "legal/proceedings/list.html",
        {"listing": selectors.proceedings_list(request.user), "standard_weeks": selectors.STANDARD_WEEKS},
    )


@login_required
@require_GET
def proceedings_page(request, pk: int):
    _require(request.user, Function.VIEW_LEGAL)
    detail = selectors.proceedings_for_reading(actor=request.user, pk=pk)
    record = detail.proceedings
    # A final order can be corrected after the proceedings concluded; nothing else can be added.
    can_record_orders = may_record_for_all(request.user, services.proceedings_children(record))
    can_record = record.concluded_on is None and can_record_orders
    return render(
        request,
        "legal/proceedings/detail.html",
        {
            "detail": detail,
            "record": record,
            "row": detail.row,
            "can_record": can_record,
            "can_record_orders": can_record_orders,
            "standard_weeks": selectors.STANDARD_WEEKS,
        },
    )


def _for_recording(request, pk: int):
    _require(request.user, Function.RECORD_LEGAL)
    record = selectors.proceedings_for_recording(actor=request.user, pk=pk)
    if not may_record_for_all(request.user, services.proceedings_children(record)):
        raise PermissionDenied(
            "You may record care proceedings only for a family whose children are all in your caseload, team or service."
        )
    return record


def _form_page(
    request, record, form, *, title: str, button: str, intro: str = "", caption: str = "", extra=None
):
    return render(
        request,
        "legal/proceedings/form.html",
        {
            "record": record,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "caption": caption or f"Care proceedings {record.legal_case.reference}",
            "back": reverse("legal:proceedings", args=[record.pk]),
            **(extra or {}),
        },
    )


def _back(record):
    return redirect("legal:proceedings", pk=record.pk)


@login_required
def issue(request, pk: int):
    record = _for_recording(request, pk)
    if record.issued_on:
        messages.info(request, f"The application was issued on {record.issued_on:%-d %B %Y}.")
        return _back(record)
    form = IssueForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if saved(
            form,
            lambda: services.proceedings_issue(
                actor=request.user, proceedings=record, expected_version=data.pop("version"), **data
            ),
        ):
            messages.success(
                request, "The issue of the application has been recorded. Week 1 starts on the issue day."
            )
            return _back(record)
    return _form_page(
        request,
        record,
        form,
        title="Record the issue of the application",
        button="Save",
        intro="Every document on the checklist must be ready first, unless it was an urgent short-notice application.",
        extra={"missing": services.missing_documents(record)},
    )


@login_required
def letter_to_initiate(request, pk: int):
    record = _for_recording(request, pk)
    form = LetterToInitiateForm(request.POST or None, initial={"version": record.version})
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.proceedings_letter_to_initiate_record(
                actor=request.user,
                proceedings=record,
                expected_version=form.cleaned_data["version"],
                sent_on=form.cleaned_data["sent_on"],
            ),
        )
    ):
        messages.success(request, "The letter to the parents has been recorded.")
        return _back(record)
    return _form_page(
        request, record, form, title="The letter telling the parents of the application", button="Save"
    )


def _document_kind(kind: str) -> str:
    if kind not in ApplicationDocument.Kind.values:
        raise Http404("No such document on the checklist")
    return kind


@login_required
def document_confirm(request, pk: int, kind: str):
    record = _for_recording(request, pk)
    kind = _document_kind(kind)
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_document_confirm(
                actor=request.user, proceedings=record, kind=kind, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{ApplicationDocument.Kind(kind).label}: ready.")
            return _back(record)
    return _form_page(
        request,
        record,
        form,
        title=f"{ApplicationDocument.Kind(kind).label}: confirm it is ready",
        button="Confirm it is ready",
    )


@login_required
@require_POST
def document_withdraw(request, pk: int, kind: str):
    record = _for_recording(request, pk)
    kind = _document_kind(kind)
    document = record.documents.filter(kind=kind).first()
    if document is None:
        raise Http404("That document has not been confirmed")
    try:
        services.application_document_withdraw(actor=request.user, document=document)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{ApplicationDocument.Kind(kind).label}: no longer marked ready.")
    return _back(record)


@login_required
def hearing_new(request, pk: int):
    record = _for_recording(request, pk)
    form = HearingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hearing_record(actor=request.user, proceedings=record, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The hearing has been recorded.")
            return _back(record)
    return _form_page(request, record, form, title="Add a hearing", button="Save the hearing")


@login_required
def hearing_edit(request, hearing: int):
    hearing_record = selectors.hearing_for_recording(actor=request.user, pk=hearing)
    record = _for_recording(request, hearing_record.proceedings_id)
    form = HearingUpdateForm(request.POST or None, initial=HearingUpdateForm.initial_for(hearing_record))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if saved(
            form,
            lambda: services.hearing_update(
                actor=request.user, hearing=hearing_record, expected_version=data.pop("version"), **data
            ),
        ):
            messages.success(request, "The hearing has been updated.")
            return _back(record)
    return _form_page(
        request, record, form, title=hearing_record.get_kind_display(), button="Save the hearing"
    )


@login_required
def extension_new(request, pk: int):
    record = _for_recording(request, pk)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extension_grant(actor=request.user, proceedings=record, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The extension has been recorded.")
            return _back(record)
    return _form_page(
        request,
        record,
        form,
        title="Record an extension of the 26 weeks",
        button="Save the extension",
        intro="The court may extend the 26 weeks only when necessary to resolve the proceedings justly, by no more "
        "than 8 weeks at a time (Children Act 1989 s32(5) to (8)).",
    )


@login_required
def child_plans(request, pk: int, row: int):
    record = _for_recording(request, pk)
    child_row = selectors.proceedings_child_for_recording(
        actor=request.user, proceedings_pk=record.pk, pk=row
    )
    form = ChildPlansForm(
        request.POST or None,
        initial={
            "version": child_row.version,
            "initial_care_plan": child_row.initial_care_plan,
            "initial_plan_approved": child_row.initial_plan_approved,
            "final_care_plan": child_row.final_care_plan,
            "final_plan_approved": child_row.final_plan_approved,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if saved(
            form,
            lambda: services.proceedings_child_plans_update(
                actor=request.user, row=child_row, expected_version=data.pop("version"), **data
            ),
        ):
            messages.success(request, f"{child_row.child.full_name}'s care plans have been saved.")
            return _back(record)
    return _form_page(
        request,
        record,
        form,
        title=f"{child_row.child.full_name}: care plans put to the court",
        button="Save the care plans",
    )


@login_required
def final_order(request, pk: int, row: int):
    record = _for_recording(request, pk)
    child_row = selectors.proceedings_child_for_recording(
        actor=request.user, proceedings_pk=record.pk, pk=row
    )
    form = FinalOrderForm(
        request.POST or None,
        initial={
            "version": child_row.version,
            "final_order": child_row.final_order,
            "final_order_on": child_row.final_order_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if saved(
            form,
            lambda: services.proceedings_child_final_order(
                actor=request.user, row=child_row, expected_version=data.pop("version"), **data
            ),
        ):
            messages.success(request, f"{child_row.child.full_name}'s final order has been recorded.")
            return _back(record)
    return _form_page(
        request,
        record,
        form,
        title=f"{child_row.child.full_name}: final order",
        button="Save the final order",
        intro="When every child in the proceedings has a final order, the proceedings conclude on the day of the last.",
    )


urlpatterns = [
    path("legal/proceedings/", proceedings_list, name="proceedings-list"),
    path("legal/proceedings/<int:pk>/", proceedings_page, name="proceedings"),
    path("legal/proceedings/<int:pk>/issue/", issue, name="proceedings-issue"),
    path("legal/proceedings/<int:pk>/letter-to-parents/", letter_to_initiate, name="proceedings-letter"),
    path("legal/proceedings/<int:pk>/documents/<str:kind>/", document_confirm, name="proceedings-document"),
    path(
        "legal/proceedings/<int:pk>/documents/<str:kind>/withdraw/",
        document_withdraw,
        name="proceedings-document-withdraw",
    ),
    path("legal/proceedings/<int:pk>/hearings/new/", hearing_new, name="proceedings-hearing-new"),
    path("legal/proceedings/hearings/<int:hearing>/", hearing_edit, name="proceedings-hearing"),
    path("legal/proceedings/<int:pk>/extensions/new/", extension_new, name="proceedings-extension"),
    path("legal/proceedings/<int:pk>/plans/<int:row>/", child_plans, name="proceedings-plans"),
    path("legal/proceedings/<int:pk>/orders/<int:row>/", final_order, name="proceedings-order"),
]
