"""`carepath verify_audit`: check that nobody has altered, removed or inserted audit events behind
the application's back."""

from django.core.management.base import BaseCommand, CommandError

from carepath.core.audit import verify_chain
from carepath.core.models import AccessEvent, ChangeEvent

CHAINS = {
    "access": (AccessEvent, "reads of children's records"),
    "change": (ChangeEvent, "changes to records"),
}


class Command(BaseCommand):
    help = (
        "Verify the audit trail: walk the access chain (every read of a child's record) and the change "
        "chain (every change) from their first event, recompute each event's hash and check that it links "
        "to the one before it. Prints how many events each chain holds and every break found: which "
        "chain, the event's sequence number and what is wrong (contents altered, event missing, newest "
        "events removed). Exits with status 0 when both chains are whole and 1 when any break is found, "
        "so it can run from a scheduler that alerts on failure."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chain",
            choices=sorted(CHAINS),
            action="append",
            help="Verify only this chain (may be given twice). Default: both.",
        )

    def handle(self, *args, chain=None, **options):
        breaks = []
        for name in dict.fromkeys(chain or sorted(CHAINS)):
            model, description = CHAINS[name]
            checked, found = verify_chain(model)
            status = "intact" if not found else _count(len(found), "break")
            self.stdout.write(f"{name} chain ({description}): {_count(checked, 'event')} checked, {status}")
            breaks.extend(found)
        if breaks:
            for chain_break in breaks:
                self.stdout.write(
                    f"BREAK  chain={chain_break.chain}  seq={chain_break.seq}  {chain_break.problem}"
                )
            raise CommandError(
                f"The audit trail has been tampered with or damaged: {_count(len(breaks), 'break')} found. "
                "Keep this output and tell your information governance lead.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS("The audit trail is intact."))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
