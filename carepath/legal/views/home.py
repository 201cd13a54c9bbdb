"""The legal pathway's front page: where each list is, and how many children are in each."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from carepath.core.permissions import Function

from ..selectors.home import pathway_counts


@login_required
def legal_home(request):
    if not request.user.can(Function.VIEW_LEGAL):
        raise PermissionDenied("Your role does not include the legal pathway.")
    return render(
        request,
        "legal/home.html",
        {
            "counts": pathway_counts(request.user),
            "can_manage_templates": request.user.can(Function.MANAGE_LETTER_TEMPLATES),
        },
    )
