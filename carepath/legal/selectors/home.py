"""Counts for the legal pathway's front page, for the children the user may see."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from carepath.people.models import User

from ..models import (
    CareProceedings,
    GatewayRequest,
    PanelAction,
    PoliceProtection,
    PreProceedings,
)
from .common import visible_child_ids


def _cases_with_visible_child(user: User, case_children: list[tuple[int, int]]) -> set[int]:
    visible = visible_child_ids(user, {child for _case, child in case_children})
    return {case for case, child in case_children if child in visible}


def pathway_counts(user: User) -> dict[str, int]:
    today = timezone.localdate()
    waiting = list(
        GatewayRequest.objects.filter(withdrawn_on__isnull=True, decisions__isnull=True).values_list(
            "pk", "legal_case__members__child_id"
        )
    )
    actions = list(PanelAction.objects.filter(done_on__isnull=True).values_list("pk", "child_id", "due_on"))
    visible_action_children = visible_child_ids(user, {c for _pk, c, _d in actions})
    plo = list(
        PreProceedings.objects.filter(step_decision_on__isnull=True).values_list(
            "pk", "legal_case__members__child_id"
        )
    )
    court = list(
        CareProceedings.objects.filter(concluded_on__isnull=True).values_list(
            "pk", "legal_case__members__child_id"
        )
    )
    pp = list(
        PoliceProtection.objects.filter(taken_at__date__gte=today - timedelta(days=183)).values_list(
            "pk", "child_id"
        )
    )
    return {
        "waiting_for_panel": len(_cases_with_visible_child(user, waiting)),
        "actions_open": sum(1 for _pk, c, _d in actions if c in visible_action_children),
        "actions_overdue": sum(1 for _pk, c, d in actions if c in visible_action_children and d < today),
        "pre_proceedings": len(_cases_with_visible_child(user, plo)),
        "proceedings": len(_cases_with_visible_child(user, court)),
        "police_protection_6_months": len(_cases_with_visible_child(user, pp)),
    }
