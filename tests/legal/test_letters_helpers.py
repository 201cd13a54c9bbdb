"""Set-up shared by the letter tests (no tests here): a family in pre-proceedings, with a mother
who has parental responsibility for both children and a father who has it for the first."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from carepath.legal import models as lm
from carepath.legal.letters.context import DEFAULT_FGDM_OFFER
from carepath.legal.services import letters as services
from carepath.people import models as pm
from tests import factories as f
from tests.legal import factories as lf

LONDON = ZoneInfo("Europe/London")
# A Tuesday with no bank holiday near it; every letter test runs on it.
TODAY = date(2026, 3, 3)
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)


def family(n: int = 2):
    worker = f.UserFactory(role="social_worker")
    manager = f.UserFactory(role="team_manager", team=worker.team)
    children = lf.family_of(n, worker=worker)
    mother = lf.parent_of(children)
    father = lf.parent_of(children[:1], kind=pm.Relationship.Kind.FATHER)
    # A grandparent without parental responsibility gets no letter.
    lf.parent_of(children, kind=pm.Relationship.Kind.GRANDPARENT, pr=False)
    case = lf.legal_case(children)
    pp = lf.pre_proceedings(case, started_on=TODAY - timedelta(days=7))
    return SimpleNamespace(
        worker=worker, manager=manager, children=children, mother=mother, father=father, case=case, pp=pp
    )


def solicitor(firm: str = "Example & Co Solicitors") -> lm.LocalSolicitor:
    return lm.LocalSolicitor.objects.create(
        firm=firm, address="2 Market Square\nNorthtown", phone="01632 960 111"
    )


def meeting_in(days: int, hour: int = 10, minute: int = 30) -> datetime:
    return datetime.combine(TODAY + timedelta(days=days), datetime.min.time()).replace(
        hour=hour, minute=minute, tzinfo=LONDON
    )


def complete_fields(**overrides) -> dict:
    values = {
        "concerns": "Amy often comes to school hungry. The police came to your home three times in January.",
        "history": "Amy has had a child protection plan since June. A family support worker visits every week.",
        "consequences": "If things do not get better, we may ask the family court to decide where Amy lives.",
        "meeting_at": meeting_in(14),
        "meeting_place": "Northshire House, 1 High Street",
        "fgdm_offer": DEFAULT_FGDM_OFFER,
        "contact_name": "Jo Smith",
        "contact_phone": "01632 960 000",
        "language": "",
        "separate_letter_reason": "",
        "changes": [
            {
                "who": "You",
                "what": "make sure Amy goes to school every day",
                "by_when": TODAY + timedelta(days=42),
            },
            {"who": "You and Alex", "what": "stop fighting at home", "by_when": TODAY + timedelta(days=21)},
        ],
        "support": [
            {
                "what": "Weekly visits from a family support worker",
                "who": "Jo Smith",
                "starts_on": TODAY + timedelta(days=7),
                "how_long": "12 weeks",
                "is_assessment": False,
                "why": "",
            },
            {
                "what": "A parenting assessment",
                "who": "An independent social worker",
                "starts_on": TODAY + timedelta(days=14),
                "how_long": "8 weeks",
                "is_assessment": True,
                "why": "To find out what help you need to care for Amy safely.",
            },
        ],
    }
    values.update(overrides)
    return values


def fill(letter: lm.LetterBeforeProceedings, actor, **overrides) -> lm.LetterBeforeProceedings:
    services.letter_update(
        actor=actor, letter=letter, expected_version=letter.version, **complete_fields(**overrides)
    )
    letter.refresh_from_db()
    return letter


def letter_to(fam, person=None) -> lm.LetterBeforeProceedings:
    person = person or fam.mother
    found = lm.LetterBeforeProceedings.objects.filter(pre_proceedings=fam.pp, recipient=person).first()
    if found is None:
        services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp)
        found = lm.LetterBeforeProceedings.objects.get(pre_proceedings=fam.pp, recipient=person)
    return found


def ready_letter(fam, **overrides) -> lm.LetterBeforeProceedings:
    if not lm.LocalSolicitor.objects.filter(active=True).exists():
        solicitor()
    return fill(letter_to(fam), fam.worker, **overrides)
