"""`carepath demo`: a synthetic authority, served, with a login printed for each role."""

import io
import secrets

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from carepath.people.models import Child, Team, User
from carepath.timescales.notifications import where_digests_go

from .serve import collect_static, serve


class Command(BaseCommand):
    help = (
        "Create the database if needed, generate a synthetic authority into it if it holds no children, "
        "run the daily job (clocks, escalations, digest emails), set a fresh password for the demo "
        "accounts, print the logins, and serve it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--children",
            type=int,
            default=3000,
            help="Children to generate when the database is empty (default 3000).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Seed for the generator (default 2026).")
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="Address and port (default 127.0.0.1:8000)."
        )
        parser.add_argument("--workers", type=int, default=3, help="Server worker processes (default 3).")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare and print the logins, but do not serve."
        )

    def handle(self, *args, children, seed, bind, workers, no_serve, **options):
        from carepath.synth.generator import DEMO_ACCOUNTS, DemoLogin, generate_authority

        self.stderr.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if not Child.objects.exists():
            self.stderr.write(f"Generating a synthetic authority of {children:,} children (seed {seed})…")
            report = generate_authority(children=children, seed=seed, progress=_progress(self.stderr))
            self.stderr.write(
                f"Generated {report.children:,} children ({report.open_children:,} open) and {report.staff:,} staff "
                f"in {report.seconds:.0f} s."
            )
        # The demo stands in for the nightly cron job: every start brings the clocks up to today,
        # escalates what has become overdue and sends the digests (to files, in the demo settings).
        self.stderr.write("Running the daily job (clocks, escalations, digests)…")
        daily = io.StringIO()
        call_command("daily", stdout=daily)
        for line in daily.getvalue().splitlines():
            self.stderr.write(line)
        password = secrets.token_urlsafe(12)
        logins = []
        with transaction.atomic():
            for account in DEMO_ACCOUNTS:
                user = User.objects.filter(username=account.username).first()
                if user is None:
                    continue
                user.set_password(password)
                user.save(update_fields=["password"])
                logins.append((account, user))
            # The front door team's manager decides the contacts partners send (the referrer's login).
            front_door = Team.objects.filter(kind=Team.Kind.FRONT_DOOR, manager__is_active=True).first()
            if front_door is not None:
                manager = front_door.manager
                manager.set_password(password)
                manager.save(update_fields=["password"])
                logins.append(
                    (
                        DemoLogin(
                            "Front door team manager", manager.username, f"decides contacts at {front_door}"
                        ),
                        manager,
                    )
                )
        collect_static()
        host = bind if "://" in bind else f"http://{bind}"
        out = self.stdout
        out.write("")
        out.write(f"carepath is ready at {host}/")
        out.write(f"Every demo account's password for this run is:  {password}")
        out.write("")
        width = max(len(a.role_label) for a, _ in logins) if logins else 10
        for account, user in logins:
            out.write(f"  {account.role_label:<{width}}  {user.username:<18} {account.description}")
        out.write("")
        out.write(where_digests_go())
        out.write("Run `carepath daily` to run the daily job again.")
        out.write("All people and records are synthetic. Press Ctrl+C to stop.")
        self.stdout.flush()
        if not no_serve:
            serve(bind=bind.split("://")[-1], workers=workers, threads=4)


def _progress(stream):
    """Progress lines for a long generation: one line per phase, and percentages within it."""
    state = {"phase": None, "last": -1}

    def report(phase: str, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        if phase != state["phase"]:
            state["phase"], state["last"] = phase, -1
        if percent // 10 != state["last"] // 10 or percent == 100 and state["last"] != 100:
            stream.write(f"  {phase}: {percent}%")
            state["last"] = percent

    return report
