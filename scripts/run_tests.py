"""The whole test suite: on SQLite always, and on PostgreSQL too when a server is reachable
(DATABASE_URL if it names one, else 127.0.0.1:5432, database `test`, as on CI).

Arguments are passed to pytest, e.g. `python3 dev.py test tests/people -k access`.
"""

import os
import re
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


def pytest(label: str, env: dict, args: list[str]) -> tuple[int, int, int]:
    """Run pytest, streaming its output; return its exit code and the passed and failed counts."""
    print(f"\n=== carepath tests on {label} ===", flush=True)
    process = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    passed = failed = 0
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("=") and (" passed" in line or " failed" in line or " error" in line):
            passed = _count(line, "passed")
            failed = _count(line, "failed") + _count(line, "error") + _count(line, "errors")
    return process.wait(), passed, failed


def _count(line: str, word: str) -> int:
    match = re.search(rf"(\d+) {word}\b", line)
    return int(match.group(1)) if match else 0


def main() -> int:
    args = sys.argv[1:]
    workers = ["-n", os.environ.get("CAREPATH_TEST_WORKERS", "2")]
    base = {**os.environ}
    base.pop("DATABASE_URL", None)
    results = {}
    sqlite_env = {**base, "CAREPATH_DATA_DIR": str(ROOT / "build" / "test-data")}
    results["SQLite"] = pytest("SQLite", sqlite_env, workers + args)
    pg = postgres_url()
    if pg:
        results["PostgreSQL"] = pytest(
            "PostgreSQL", {**base, "DATABASE_URL": pg}, workers + ["-m", "not browser", *args]
        )
    else:
        print(
            "\nPostgreSQL was not tested (no server reachable, or CAREPATH_TEST_POSTGRES=0): SQLite only.",
            flush=True,
        )
    print("\n=== summary ===")
    for label, (code, passed, failed) in results.items():
        print(f"{label}: {passed} passed, {failed} failed" + ("" if code == 0 else f" (pytest exit {code})"))
    total_passed = sum(r[1] for r in results.values())
    total_failed = sum(r[2] for r in results.values())
    ok = all(code == 0 for code, _, _ in results.values())
    print(f"total: {total_passed} passed, {total_failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
