"""One child's legal pathway, for the Legal tab of their record. The caller has opened the record
through child_for_reading (which logs the read)."""

from __future__ import annotations

from dataclasses import dataclass, field

from carepath.people.models import Child

from ..models import (
    AuthorisedPlan,
    CareProceedings,
    GatewayRequest,
    PanelAction,
    PanelDecision,
    PermanenceRecord,
    PoliceProtection,
    PreProceedings,
    Section20Consent,
)

LEGAL_CONTEXTS = (
    "legal_gateway",
    "panel_action",
    "pre_proceedings",
    "proceedings",
    "section_20",
    "police_protection",
    "adoption",
    "care_planning",
)


@dataclass
class ChildLegalPathway:
    requests: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    pre_proceedings: list = field(default_factory=list)
    proceedings: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    police_protections: list = field(default_factory=list)
    permanence: PermanenceRecord | None = None
    plans_in_force: list = field(default_factory=list)
    clocks: list = field(default_factory=list)


def child_legal_pathway(child: Child) -> ChildLegalPathway:
    from carepath.timescales.engine import Status
    from carepath.timescales.models import Deadline

    plans: dict[str, AuthorisedPlan] = {}
    for plan in AuthorisedPlan.objects.filter(child=child).order_by("kind", "-number"):
        plans.setdefault(plan.kind, plan)
    return ChildLegalPathway(
        requests=list(
            GatewayRequest.objects.filter(legal_case__members__child=child)
            .select_related("legal_case", "requested_by")
            .order_by("-requested_on")
        ),
        decisions=list(
            PanelDecision.objects.filter(child=child)
            .select_related("meeting", "meeting__chair")
            .order_by("-decided_on")
        ),
        actions=list(
            PanelAction.objects.filter(child=child).select_related("owner").order_by("done_on", "due_on")
        ),
        pre_proceedings=list(
            PreProceedings.objects.filter(legal_case__members__child=child)
            .select_related("legal_case")
            .order_by("-started_on")
        ),
        proceedings=list(
            CareProceedings.objects.filter(children__child=child)
            .select_related("legal_case")
            .order_by("-decided_on")
        ),
        consents=list(
            Section20Consent.objects.filter(child=child).select_related("person").order_by("-given_at")
        ),
        police_protections=list(PoliceProtection.objects.filter(child=child).order_by("-taken_at")),
        permanence=PermanenceRecord.objects.filter(child=child).first(),
        plans_in_force=list(plans.values()),
        clocks=list(
            Deadline.objects.filter(
                child=child, context_type__in=LEGAL_CONTEXTS, status__in=Status.ACTIVE
            ).order_by("due_on", "pk")
        ),
    )
