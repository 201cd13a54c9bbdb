"""The Legal tab of a child's record: where the child is on the pathway, and links to each part."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from carepath.core.models import AccessBasis
from carepath.core.permissions import Function
from carepath.people.selectors import child_for_reading

from ..consent import consent_gaps
from ..selectors.child import child_legal_pathway


@login_required
def child_legal(request, child_id):
    user = request.user
    child, decision = child_for_reading(actor=user, public_id=child_id, what="Legal pathway")
    pathway = child_legal_pathway(child)
    consents = [
        (
            consent,
            consent_gaps({f.attname: getattr(consent, f.attname) for f in consent._meta.concrete_fields}),
        )
        for consent in pathway.consents
    ]
    not_break_glass = decision.basis != AccessBasis.BREAK_GLASS
    return render(
        request,
        "legal/child.html",
        {
            "child": child,
            "access_basis": decision.basis,
            "can_see_access": user.can(Function.VIEW_RECORD_ACCESS),
            "can_request": user.can(Function.REQUEST_LEGAL_GATEWAY) and not_break_glass,
            "pathway": pathway,
            "consents": consents,
            "today": timezone.localdate(),
            "tab": "legal",
        },
    )
