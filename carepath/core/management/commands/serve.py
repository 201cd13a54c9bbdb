"""`carepath serve`: the application under gunicorn, static files by WhiteNoise."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve carepath with gunicorn (a production-grade WSGI server). Applies migrations first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.environ.get("CAREPATH_BIND", "127.0.0.1:8000"),
            help="Address and port to listen on (default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("CAREPATH_WORKERS", "3")),
            help="Worker processes (default 3).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("CAREPATH_THREADS", "4")),
            help="Threads per worker (default 4).",
        )
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply migrations first.")

    def handle(self, *args, bind, workers, threads, no_migrate, **options):
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        collect_static()
        serve(bind=bind, workers=workers, threads=threads)


def collect_static() -> None:
    if settings.STATIC_ROOT:
        call_command("collectstatic", interactive=False, verbosity=0)


def serve(*, bind: str, workers: int, threads: int) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo"),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "carepath.config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-" if os.environ.get("CAREPATH_ACCESS_LOG") else "/dev/null",
        "--graceful-timeout",
        "5",
    ]
    try:
        sys.exit(subprocess.call(command, env=env))  # noqa: S603 (fixed arguments, no shell)
    except KeyboardInterrupt:
        sys.exit(0)
