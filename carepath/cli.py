"""The `carepath` command: Django's management commands, with carepath's own (demo, serve,
generate, verify-audit) among them. `carepath --help` lists them all."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "carepath"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
