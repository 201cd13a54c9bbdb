"""`carepath create_user`: create a staff account from the command line, for the first
administrator of a new installation and for scripted set-up."""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from carepath.core import audit
from carepath.core.audit import ChangeAction
from carepath.core.permissions import DEFAULT_SCOPE, Role, Scope
from carepath.people.models import Service, Team, User


def _choices(choices) -> str:
    return "; ".join(f"{value} ({label})" for value, label in choices)


class Command(BaseCommand):
    help = (
        "Create a staff account. The password is asked for twice at the terminal, or read from the first "
        "line of standard input with --password-stdin; it must meet the password policy. The scope (which "
        "children's records the account may open) defaults to the usual one for the role. Example: "
        "carepath create_user jsmith --role social_worker --team 'Safeguarding North' --first-name Jo "
        "--last-name Smith --require-two-factor"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The name the person signs in with.")
        parser.add_argument("--role", required=True, help=f"One of: {_choices(Role.choices)}.")
        parser.add_argument("--team", help="The team's name, as shown on the Teams page.")
        parser.add_argument(
            "--service",
            help="The service's name: for a head of service with no team, or to "
            "say which team is meant when two services have a team of that name.",
        )
        parser.add_argument(
            "--scope", help=f"One of: {_choices(Scope.choices)}. Default: the role's usual scope."
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--job-title", default="")
        parser.add_argument(
            "--require-two-factor",
            action="store_true",
            help="The person must set up an authenticator app at their first sign-in.",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input instead of asking.",
        )
        parser.add_argument(
            "--created-by",
            metavar="USERNAME",
            help="The administrator to name in the audit trail as creating the account. "
            "Without it, the creation is logged against the new account itself.",
        )

    def handle(self, *args, **options):
        username = options["username"].strip()
        role = self._role(options["role"])
        scope = self._scope(options["scope"], role)
        service = self._service(options["service"]) if options["service"] else None
        team = self._team(options["team"], service) if options["team"] else None
        if scope == Scope.TEAM and team is None:
            raise CommandError(f"An account with scope '{scope}' needs a team: add --team.")
        if scope == Scope.SERVICE and team is None and service is None:
            raise CommandError(
                f"An account with scope '{scope}' needs a team or a service: add --team or --service."
            )
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"There is already an account called '{username}'.")
        created_by = self._created_by(options["created_by"])

        user = User(
            username=username,
            role=role,
            scope=scope,
            team=team,
            service=team.service if team else service,
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            job_title=options["job_title"],
            two_factor_required=options["require_two_factor"],
        )
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        password = self._password(user, from_stdin=options["password_stdin"])
        user.set_password(password)

        with transaction.atomic():
            user.save()
            changes = {
                "username": (None, user.username),
                "role": (None, user.role),
                "scope": (None, user.scope),
                "team": (None, user.team_id),
                "service": (None, user.service_id),
                "two_factor_required": (None, user.two_factor_required),
                "created_with": (None, "carepath create_user"),
            }
            audit.record_change(
                actor=created_by or user,
                child=None,
                record=user,
                action=ChangeAction.CREATED,
                changes=changes,
            )

        where = f", team {team}" if team else (f", service {service}" if service else "")
        two_factor = ", two-factor authentication required" if user.two_factor_required else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the account '{user.username}': {user.get_role_display()}, scope "
                f"'{user.get_scope_display()}'{where}{two_factor}."
            )
        )

    @staticmethod
    def _role(value: str) -> str:
        if value not in Role.values:
            raise CommandError(f"Unknown role '{value}'. Choose one of: {_choices(Role.choices)}.")
        return value

    @staticmethod
    def _scope(value: str | None, role: str) -> str:
        if value is None:
            return DEFAULT_SCOPE[role]
        if value not in Scope.values:
            raise CommandError(f"Unknown scope '{value}'. Choose one of: {_choices(Scope.choices)}.")
        return value

    @staticmethod
    def _service(name: str) -> Service:
        matches = list(Service.objects.filter(name__iexact=name.strip()))
        if not matches:
            known = ", ".join(Service.objects.order_by("name").values_list("name", flat=True)) or "none yet"
            raise CommandError(f"Unknown service '{name}'. Services: {known}.")
        if len(matches) > 1:
            raise CommandError(f"More than one service is called '{name}'. Rename one first.")
        return matches[0]

    @staticmethod
    def _team(name: str, service: Service | None) -> Team:
        teams = Team.objects.filter(name__iexact=name.strip()).select_related("service")
        if service is not None:
            teams = teams.filter(service=service)
        matches = list(teams)
        if not matches:
            known = ", ".join(Team.objects.order_by("name").values_list("name", flat=True)) or "none yet"
            within = f" in the service '{service}'" if service else ""
            raise CommandError(f"Unknown team '{name}'{within}. Teams: {known}.")
        if len(matches) > 1:
            services = ", ".join(sorted(str(t.service) for t in matches))
            raise CommandError(
                f"More than one team is called '{name}' (in {services}). Add --service to say which."
            )
        return matches[0]

    @staticmethod
    def _created_by(username: str | None) -> User | None:
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"--created-by: there is no active account called '{username}'.") from None

    def _password(self, user: User, *, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError("There is no terminal to ask for the password on. Use --password-stdin.")
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The two passwords were not the same. Nothing was created.")
        if not password:
            raise CommandError("Enter a password. Nothing was created.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"The password was refused: {_messages(error)} Nothing was created.") from None
        return password


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)
