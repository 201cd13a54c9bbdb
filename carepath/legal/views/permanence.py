"""Early permanence (F07, F10): the list of very young children without a parallel plan or a
recorded consideration of early permanence, and each child's permanence record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function
from carepath.people.selectors import child_access_decision, child_for_reading

from ..forms_permanence import PermanenceForm
from ..selectors.permanence import adoption_clocks, early_permanence_children, permanence_for_child
from ..services.permanence import permanence_record_update


@login_required
def early_permanence(request):
    if not request.user.can(Function.VIEW_LEGAL):
        raise PermissionDenied("Your role does not include the legal pathway.")
    rows = early_permanence_children(actor=request.user)
    return render(
        request,
        "legal/permanence/list.html",
        {"rows": rows, "flagged": sum(1 for r in rows if r.flagged)},
    )


@login_required
def child_permanence(request, child_id):
    posting = request.method == "POST"
    child, access = child_for_reading(
        actor=request.user,
        public_id=child_id,
        what="Permanence",
        to_use_for=Function.RECORD_LEGAL if posting else None,
    )
    record = permanence_for_child(actor=request.user, child=child)
    can_record = request.user.can(Function.RECORD_LEGAL) and (
        child_access_decision(request.user, child, Function.RECORD_LEGAL).allowed
    )
    form = (
        PermanenceForm(request.POST or None, initial=PermanenceForm.initial_for(record))
        if can_record
        else None
    )
    conflict = None
    if posting and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("version")
        try:
            permanence_record_update(actor=request.user, child=child, expected_version=expected, **data)
        except EditConflict as error:
            conflict = error.record
            form.add_error(
                None,
                "Someone else changed this permanence record while you were editing it. Your changes have "
                "not been saved. Check their record below, then save again to keep yours.",
            )
            form.data = form.data.copy()
            form.data["version"] = conflict.version
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The permanence record has been saved.")
            return redirect("legal:child-permanence", child_id=child.public_id)
    return render(
        request,
        "legal/permanence/child.html",
        {
            "child": child,
            "access_basis": access.basis,
            "can_see_access": request.user.can(Function.VIEW_RECORD_ACCESS),
            "tab": "permanence",
            "record": record,
            "form": form,
            "conflict": conflict,
            "clocks": adoption_clocks(record=record),
        },
    )


urlpatterns = [
    path("legal/early-permanence/", early_permanence, name="early-permanence"),
    path("children/<uuid:child_id>/permanence/", child_permanence, name="child-permanence"),
]
