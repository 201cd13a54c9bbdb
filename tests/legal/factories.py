"""Factories for the legal pathway's records (synthetic only). Tests of a service use the service;
these set up what a test needs around it."""

from datetime import date, timedelta

from carepath.legal import models as lm
from carepath.people import models as pm
from tests import factories as f

_references = iter(range(1, 10_000_000))


def family_of(n: int = 2, *, worker=None, ages=(7, 4, 1, 0, 9, 12)) -> list[pm.Child]:
    """`n` siblings in one family, allocated to `worker` (a new social worker if none)."""
    worker = worker or f.UserFactory()
    family = pm.Family.objects.create(name="Test family")
    children = []
    for i in range(n):
        child = f.ChildFactory(
            family=family, date_of_birth=date.today() - timedelta(days=365 * ages[i % len(ages)] + 30)
        )
        f.allocate(child, worker)
        children.append(child)
    return children


def parent_of(children, *, kind=pm.Relationship.Kind.MOTHER, pr=True) -> pm.RelatedPerson:
    person = f.RelatedPersonFactory()
    for child in children:
        pm.Relationship.objects.create(child=child, person=person, kind=kind, has_parental_responsibility=pr)
    return person


def legal_case(children, *, opened_on=None, solicitor=None) -> lm.LegalCase:
    opened_on = opened_on or date.today() - timedelta(days=40)
    case = lm.LegalCase.objects.create(
        reference=f"LC-T{next(_references):06d}",
        family=children[0].family,
        opened_on=opened_on,
        solicitor=solicitor,
    )
    for child in children:
        lm.LegalCaseChild.objects.create(legal_case=case, child=child, added_on=opened_on)
    return case


def gateway_request(case, *, requested_on=None, by=None, route=lm.GatewayRequest.Route.MANAGER_DIRECTION):
    by = by or f.UserFactory(role="team_manager")
    return lm.GatewayRequest.objects.create(
        legal_case=case,
        route=route,
        requested_on=requested_on or date.today() - timedelta(days=20),
        requested_by=by,
        concerns="Neglect: the children are often hungry and miss school.",
        history="Two child protection plans in three years.",
        tried="Parenting support, a family group conference, a written agreement.",
    )


def panel_meeting(*, held_on=None, chair=None) -> lm.PanelMeeting:
    chair = chair or f.UserFactory(role="head_of_service")
    return lm.PanelMeeting.objects.create(
        held_on=held_on or date.today() - timedelta(days=7), chair=chair, created_by=chair
    )


def pre_proceedings(case, *, started_on=None) -> lm.PreProceedings:
    return lm.PreProceedings.objects.create(
        legal_case=case, started_on=started_on or date.today() - timedelta(days=30)
    )


def proceedings(case, *, decided_on=None, issued_on=None) -> lm.CareProceedings:
    record = lm.CareProceedings.objects.create(
        legal_case=case,
        decided_on=decided_on or date.today() - timedelta(days=60),
        issued_on=issued_on,
        court="Family Court at Northshire",
        case_number="NS26C00123" if issued_on else "",
    )
    for member in case.members.all():
        lm.ProceedingsChild.objects.create(proceedings=record, child=member.child)
    return record
