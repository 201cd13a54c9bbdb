"""`carepath create_user`: staff accounts from the command line, with clear refusals."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carepath.core.models import ChangeEvent
from carepath.core.permissions import DEFAULT_SCOPE, Role, Scope
from carepath.people.models import User
from tests import factories as f

PASSWORD = "tidy-kettle-orchard-42"


def create_user(monkeypatch, *args, password=PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("create_user", *args, "--password-stdin", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_creates_an_account_with_the_roles_usual_scope_and_the_named_team(monkeypatch):
    team = f.TeamFactory(name="Children in Care East")
    out = create_user(
        monkeypatch,
        "amurray",
        "--role",
        Role.TEAM_MANAGER,
        "--team",
        "children in care east",
        "--first-name",
        "Ann",
        "--last-name",
        "Murray",
        "--require-two-factor",
    )
    user = User.objects.get(username="amurray")
    assert user.role == Role.TEAM_MANAGER
    assert user.scope == DEFAULT_SCOPE[Role.TEAM_MANAGER] == Scope.TEAM
    assert user.team == team
    assert user.service == team.service
    assert user.two_factor_required is True
    assert user.get_full_name() == "Ann Murray"
    assert "amurray" in out
    event = ChangeEvent.objects.get(record_type="people.User", record_id=str(user.pk))
    assert event.changes_dict()["role"] == [None, Role.TEAM_MANAGER]
    assert event.changes_dict()["two_factor_required"] == [None, True]


@pytest.mark.django_db
def test_an_explicit_scope_overrides_the_default(monkeypatch):
    f.TeamFactory(name="Front Door")
    create_user(
        monkeypatch, "bjones", "--role", Role.SOCIAL_WORKER, "--team", "Front Door", "--scope", Scope.TEAM
    )
    user = User.objects.get(username="bjones")
    assert user.scope == Scope.TEAM
    assert user.two_factor_required is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "Unknown role 'wizard'"),
        (["--role", Role.SOCIAL_WORKER, "--team", "No Such Team"], "Unknown team 'No Such Team'"),
        (["--role", Role.SOCIAL_WORKER, "--scope", "galaxy"], "Unknown scope 'galaxy'"),
        (["--role", Role.TEAM_MANAGER], "needs a team"),
        (["--role", Role.SOCIAL_WORKER, "--team", "Duplicate"], "Add --service"),
    ],
)
def test_refuses_unknown_or_incomplete_details_and_creates_nothing(monkeypatch, args, message):
    f.TeamFactory(name="Duplicate")
    f.TeamFactory(name="Duplicate")
    before = User.objects.count()
    with pytest.raises(CommandError, match=message) as refused:
        create_user(monkeypatch, "cwhite", *args)
    assert User.objects.count() == before
    assert not ChangeEvent.objects.exists()
    if "role" in message:
        # The refusal lists the roles that do exist.
        assert Role.SOCIAL_WORKER.value in str(refused.value)


@pytest.mark.django_db
def test_service_picks_between_teams_of_the_same_name(monkeypatch):
    f.TeamFactory(name="Duplicate")
    wanted = f.TeamFactory(name="Duplicate")
    create_user(
        monkeypatch,
        "dgreen",
        "--role",
        Role.SOCIAL_WORKER,
        "--team",
        "Duplicate",
        "--service",
        wanted.service.name,
    )
    assert User.objects.get(username="dgreen").team == wanted


@pytest.mark.django_db
def test_refuses_a_weak_password_and_an_existing_username(monkeypatch):
    with pytest.raises(CommandError, match="password was refused"):
        create_user(monkeypatch, "eshort", "--role", Role.DIRECTOR, password="short")
    assert not User.objects.filter(username="eshort").exists()
    existing = f.UserFactory()
    with pytest.raises(CommandError, match="already an account"):
        create_user(monkeypatch, existing.username.upper(), "--role", Role.DIRECTOR)
