"""The `carepath` command: Django's management commands, with carepath's own (demo, serve,
generate, verify-audit) among them. `carepath --help` lists them all."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "carepath"
    # Django names commands after their modules (verify_audit); accept the hyphenated spelling too.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
