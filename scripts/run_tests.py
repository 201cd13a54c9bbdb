"""The whole test suite: on SQLite always, and on PostgreSQL too when a server is reachable
(DATABASE_URL if it names one, else 127.0.0.1:5432, database `test`, as on CI).

Arguments are passed to pytest, e.g. `python3 dev.py test tests/people -k access`.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    url = os.environ.get("CAREPATH_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    if os.environ.get("CAREPATH_TEST_POSTGRES") == "0":
        return None
    host, port = "127.0.0.1", 5432
    try:
        rest = url.split("@", 1)[1]
        hostport = rest.split("/", 1)[0]
        host, _, p = hostport.partition(":")
        port = int(p or 5432)
    except (IndexError, ValueError):
        pass
    try:
        with socket.create_connection((host, port), timeout=2):
            return url
    except OSError:
        return None


def pytest(label: str, env: dict, args: list[str]) -> int:
    print(f"\n=== carepath tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)  # noqa: S603


def main() -> int:
    args = sys.argv[1:]
    workers = ["-n", os.environ.get("CAREPATH_TEST_WORKERS", "2")]
    base = {**os.environ}
    base.pop("DATABASE_URL", None)
    results = {}
    results["SQLite"] = pytest(
        "SQLite", {**base, "CAREPATH_DATA_DIR": str(ROOT / "build" / "test-data")}, workers + args
    )
    pg = postgres_url()
    if pg:
        results["PostgreSQL"] = pytest(
            "PostgreSQL", {**base, "DATABASE_URL": pg}, workers + ["-m", "not browser", *args]
        )
    else:
        print("\nNo PostgreSQL server is reachable, so the suite ran on SQLite only.", flush=True)
    print("\n=== summary ===")
    for label, code in results.items():
        print(f"{label}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
