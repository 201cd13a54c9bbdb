"""PLO pre-proceedings pages: the PLO list (with its exports), one pre-proceedings, and the forms
that record its meetings, family group decision-making, the parents' legal representation and
the decision to step up or down."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function
from carepath.people.selectors import child_access_decision

from .. import exports
from ..forms_pre_proceedings import FgdmForm, LegalRepresentationForm, MeetingForm, StepDecisionForm
from ..selectors import pre_proceedings as selectors
from ..services import pre_proceedings as services
from .common import refuse_as_edit_conflict, saved
from .paging import paged

CONFLICT_PP = (
    "Someone else changed this pre-proceedings while you were working on it. Your changes have not been "
    "saved. Check the page, then save again to keep yours."
)


def _require(user, function: str) -> None:
    if not user.can(function):
        raise PermissionDenied("Your role does not allow this.")


def may_record_for_all(user, children) -> bool:
    """Whether the user may record legal work for every child of the family (a write about the
    family is about each of them). Asked without naming any child the user cannot see."""
    return user.can(Function.RECORD_LEGAL) and all(
        child_access_decision(user, child, Function.RECORD_LEGAL).allowed for child in children
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _page_of(request, rows) -> dict:
    """The page of the list the request asks for (long lists are paged: see views/paging.py)."""
    page, query = paged(request, rows)
    return {"rows_page": page, "query_without_page": query}


@login_required
@require_GET
def plo_list(request):
    _require(request.user, Function.VIEW_LEGAL)
    over_16 = request.GET.get("over_16_weeks") == "1"
    team_id = _int(request.GET.get("team"))
    solicitor_id = _int(request.GET.get("solicitor"))
    listing = selectors.plo_list(
        request.user, over_16_weeks=over_16, team_id=team_id, solicitor_id=solicitor_id
    )
    return render(
        request,
        "legal/pre_proceedings/list.html",
        {
            "listing": listing,
            **_page_of(request, listing.rows),
            "over_16_weeks": over_16,
            "team_id": team_id,
            "solicitor_id": solicitor_id,
            "limit_weeks": selectors.LONG_RUNNING_WEEKS,
            "filtered": over_16 or team_id or solicitor_id,
            "shapes": exports.SHAPES,
        },
    )


@login_required
@require_GET
def plo_export(request):
    """The PLO exports as CSV, for the children the user may see; each child is logged as read."""
    _require(request.user, Function.VIEW_LEGAL)
    shape = request.GET.get("shape", exports.CIN)
    if shape not in exports.SHAPES:
        shape = exports.CIN
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    today = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="pre-proceedings-{shape}-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    exports.write_csv(shape, exports.rows(shape, actor=request.user), response)
    return response


@login_required
@require_GET
def pre_proceedings_page(request, pk: int):
    _require(request.user, Function.VIEW_LEGAL)
    detail = selectors.pre_proceedings_for_reading(actor=request.user, pk=pk)
    pp = detail.pre_proceedings
    children = services.case_children(pp)
    return render(
        request,
        "legal/pre_proceedings/detail.html",
        {
            "detail": detail,
            "pp": pp,
            "row": detail.row,
            "letters_url": selectors.family_letters_url(pp.pk),
            "can_record": pp.step_decision_on is None and may_record_for_all(request.user, children),
            "can_record_after_decision": may_record_for_all(request.user, children),
        },
    )


def _for_recording(request, pk: int):
    _require(request.user, Function.RECORD_LEGAL)
    pp = selectors.pre_proceedings_for_recording(actor=request.user, pk=pk)
    if not may_record_for_all(request.user, services.case_children(pp)):
        raise PermissionDenied(
            "You may record pre-proceedings only for a family whose children are all in your caseload, team or service."
        )
    return pp


def _form_page(request, pp, form, *, title: str, button: str, intro: str = ""):
    return render(
        request,
        "legal/pre_proceedings/form.html",
        {
            "pp": pp,
            "form": form,
            "title": title,
            "button": button,
            "intro": intro,
            "back": reverse("legal:pre-proceedings", args=[pp.pk]),
        },
    )


@login_required
def meeting_new(request, pk: int):
    pp = _for_recording(request, pk)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pre_proceedings_meeting_record(
                actor=request.user, pre_proceedings=pp, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The meeting has been recorded.")
            return redirect("legal:pre-proceedings", pk=pp.pk)
    return _form_page(request, pp, form, title="Record a pre-proceedings meeting", button="Save the meeting")


@login_required
def fgdm_update(request, pk: int):
    pp = _for_recording(request, pk)
    form = FgdmForm(request.POST or None, initial=FgdmForm.initial_for(pp))
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.pre_proceedings_fgdm_update(
                actor=request.user, pre_proceedings=pp, **form.service_arguments()
            ),
            CONFLICT_PP,
        )
    ):
        messages.success(request, "Family group decision-making has been recorded.")
        return redirect("legal:pre-proceedings", pk=pp.pk)
    return _form_page(
        request,
        pp,
        form,
        title="Family group decision-making",
        button="Save",
        intro="Before applying to court, the local authority must offer the family a family group decision-making "
        "meeting, in the letter before proceedings, unless a meeting would not be in the child's best interests. "
        "If anyone accepts, the meeting must be held before the application (Children Act 1989 s31ZA).",
    )


@login_required
def representation_update(request, pk: int):
    pp = _for_recording(request, pk)
    form = LegalRepresentationForm(
        request.POST or None,
        initial={"version": pp.version, "parents_legal_representation": pp.parents_legal_representation},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: services.pre_proceedings_legal_representation_update(
                actor=request.user,
                pre_proceedings=pp,
                expected_version=form.cleaned_data["version"],
                parents_legal_representation=form.cleaned_data["parents_legal_representation"],
            ),
            CONFLICT_PP,
        )
    ):
        messages.success(request, "The parents' legal representation has been recorded.")
        return redirect("legal:pre-proceedings", pk=pp.pk)
    return _form_page(request, pp, form, title="The parents' legal representation", button="Save")


@login_required
def step_decision(request, pk: int):
    pp = _for_recording(request, pk)
    form = StepDecisionForm(request.POST or None, initial={"version": pp.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            _pp, proceedings = services.pre_proceedings_step_decide(
                actor=request.user,
                pre_proceedings=pp,
                expected_version=data["version"],
                decided_on=data["decided_on"],
                outcome=data["outcome"],
                reason=data["outcome_reason"],
            )
        except EditConflict as error:
            refuse_as_edit_conflict(form, error.record, CONFLICT_PP)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if proceedings is not None:
                messages.success(
                    request, "The decision to issue has been recorded. Prepare the application here."
                )
                return redirect("legal:proceedings", pk=proceedings.pk)
            messages.success(request, "The decision has been recorded.")
            return redirect("legal:pre-proceedings", pk=pp.pk)
    return _form_page(
        request,
        pp,
        form,
        title="Record the decision to step up or step down",
        button="Save the decision",
        intro="This ends pre-proceedings. Record the decision of the legal planning meeting or panel.",
    )


urlpatterns = [
    path("legal/pre-proceedings/", plo_list, name="plo-list"),
    path("legal/pre-proceedings/export.csv", plo_export, name="plo-export"),
    path("legal/pre-proceedings/<int:pk>/", pre_proceedings_page, name="pre-proceedings"),
    path("legal/pre-proceedings/<int:pk>/meetings/new/", meeting_new, name="pre-proceedings-meeting"),
    path("legal/pre-proceedings/<int:pk>/family-group/", fgdm_update, name="pre-proceedings-fgdm"),
    path(
        "legal/pre-proceedings/<int:pk>/legal-representation/",
        representation_update,
        name="pre-proceedings-representation",
    ),
    path("legal/pre-proceedings/<int:pk>/decision/", step_decision, name="pre-proceedings-decision"),
]
