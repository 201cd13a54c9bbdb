"""Test factories: synthetic people and records only (Faker, en_GB)."""

from datetime import date, timedelta

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from carepath.core import codes
from carepath.core.permissions import DEFAULT_SCOPE, Role
from carepath.journey import models as jm
from carepath.people import models as pm

factory.Faker._DEFAULT_LOCALE = "en_GB"
TEST_PASSWORD = "correct horse battery staple"  # noqa: S105
# Argon2 is slow on purpose; tests that do not sign in through the form use a cheap hash.
CHEAP_PASSWORD = make_password(TEST_PASSWORD, hasher="md5")


class DirectorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Directorate

    name = "Children's Services"
    authority_name = "Northshire County Council"
    la_code = "999"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Service

    directorate = factory.SubFactory(DirectorateFactory)
    name = factory.Sequence(lambda n: f"Service {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    kind = pm.Team.Kind.SAFEGUARDING


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.SOCIAL_WORKER
    scope = factory.LazyAttribute(lambda o: DEFAULT_SCOPE[o.role])
    team = factory.SubFactory(TeamFactory)
    password = CHEAP_PASSWORD


def name_managers(team, manager=None, head=None) -> None:
    """Name the team's manager (Team.manager) and its service's head (Service.head), as the
    organisation chart does; escalations go to them."""
    if manager is not None:
        team.manager = manager
        team.save(update_fields=["manager"])
    if head is not None:
        team.service.head = head
        team.service.save(update_fields=["head"])


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Child

    case_number = factory.Sequence(lambda n: f"C{100000 + n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.LazyFunction(lambda: date.today() - timedelta(days=365 * 7))
    sex = codes.Sex.FEMALE
    ethnicity = codes.Ethnicity.WBRI


class RelatedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.RelatedPerson

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


def allocate(child, worker, *, started_on=None, kind=pm.Allocation.Kind.SOCIAL_WORKER):
    """Allocate directly (tests of the allocation service use the service itself)."""
    allocation = pm.Allocation.objects.create(
        child=child,
        worker=worker,
        team=worker.team,
        kind=kind,
        started_on=started_on or date.today() - timedelta(days=30),
    )
    if kind == pm.Allocation.Kind.SOCIAL_WORKER:
        child.allocated_worker = worker
        child.allocated_team = worker.team
        child.save(update_fields=["allocated_worker", "allocated_team"])
    return allocation


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.Referral

    child = factory.SubFactory(ChildFactory)
    referral_date = factory.LazyFunction(lambda: date.today() - timedelta(days=60))
    source = codes.ReferralSource.SCHOOLS
    primary_need = codes.PrimaryNeed.ABUSE_OR_NEGLECT


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.Visit

    child = factory.SubFactory(ChildFactory)
    visited_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    kind = jm.Visit.Kind.CIN
    visitor = factory.SubFactory(UserFactory)
    child_seen = True
