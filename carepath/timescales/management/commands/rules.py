"""carepath rules: check or load a timescale rules file, or list the rules in force."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carepath.timescales.rulebook import DEFAULT_RULES_FILE, RuleFileError, read_rules_file
from carepath.timescales.services import rules_ensure_loaded, rules_in_force, rules_load_file


class Command(BaseCommand):
    help = "Check or load a timescale rules file (TOML), or list the rules in force."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Check a rules file without loading it.")
        check.add_argument("path", type=Path, nargs="?", default=DEFAULT_RULES_FILE)
        load = sub.add_parser("load", help="Load a rules file, all or nothing, then recompute every clock.")
        load.add_argument("path", type=Path)
        sub.add_parser("list", help="List the rules in force with their sources.")

    def handle(self, *args, action, path=None, **options):
        try:
            if action == "check":
                rules = read_rules_file(path)
                self.stdout.write(f"{path}: {len(rules)} rules, no problems.")
            elif action == "load":
                rules_ensure_loaded()
                result = rules_load_file(path=path)
                self.stdout.write(
                    f"Loaded {path}: {len(result.added)} added, {len(result.changed)} changed, "
                    f"{result.unchanged} unchanged."
                )
                for rule_id, fields in sorted(result.changed.items()):
                    self.stdout.write(f"  {rule_id}: {', '.join(fields)}")
            else:
                for rule in rules_in_force():
                    state = "" if rule.evaluated else "  (waiting for records)"
                    self.stdout.write(
                        f"{rule.id:22} [{rule.confidence}] {rule.name}{state}\n{'':25}{rule.source}"
                    )
        except RuleFileError as error:
            raise CommandError(str(error)) from None
