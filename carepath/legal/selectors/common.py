"""Scoping shared by every legal list: a legal case is shown to a user who may see at least one
of its children, and only the children they may see are named. The generic reads live in
carepath.core.reads."""

from __future__ import annotations

from django.db.models import QuerySet

from carepath.core.reads import clocks_for, log_read, visible_child_ids  # noqa: F401
from carepath.people.models import User
from carepath.people.selectors import children_visible_to

from ..models import LegalCase, LegalCaseChild


def legal_cases_visible_to(user: User) -> QuerySet[LegalCase]:
    child_ids = LegalCaseChild.objects.values_list("child_id", flat=True)
    visible = children_visible_to(user).filter(pk__in=child_ids)
    return LegalCase.objects.filter(members__child__in=visible).distinct()
