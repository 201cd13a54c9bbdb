#!/usr/bin/env python3
"""Set up and run carepath on a fresh machine: the README's two commands.

    python3 dev.py demo    install what is needed, build a synthetic authority, serve it, print logins
    python3 dev.py test    install what is needed, then run the whole test suite

Needs Python 3.11+ and Node.js 18+ (for GOV.UK Frontend, from the npm registry). Everything is
installed into this folder (.venv and node_modules); nothing outside it is touched.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"carepath: {message}", flush=True)


def run(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def _stamp(name: str, *inputs: Path) -> tuple[Path, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    return VENV / f".{name}-installed", digest


def ensure_python_packages() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script tells users of older Pythons what to do)
        sys.exit("carepath needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say("creating a virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp, digest = _stamp("python", ROOT / "pyproject.toml", ROOT / "requirements" / "constraints.txt")
    if not stamp.exists() or stamp.read_text() != digest:
        say("installing Python packages (pinned)")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-c", "requirements/constraints.txt", "-e", ".[dev]")
        stamp.write_text(digest)


def ensure_frontend() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "carepath needs Node.js 18 or newer (with npm) to install GOV.UK Frontend. Install it, then run this again."
        )
    stamp, digest = _stamp(
        "frontend", ROOT / "package-lock.json", ROOT / "carepath" / "core" / "static_src" / "carepath.scss"
    )
    css = ROOT / "carepath" / "core" / "static" / "build" / "carepath.css"
    if (
        not stamp.exists()
        or stamp.read_text() != digest
        or not css.exists()
        or not (ROOT / "node_modules").exists()
    ):
        say("installing GOV.UK Frontend (npm ci) and building the stylesheet")
        run(npm, "ci", "--silent", "--no-audit", "--no-fund")
        css.parent.mkdir(parents=True, exist_ok=True)
        run(npm, "run", "--silent", "build:css")
        stamp.write_text(digest)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    rest = sys.argv[2:]
    if command not in ("demo", "test", "setup"):
        sys.exit(__doc__)
    ensure_python_packages()
    ensure_frontend()
    if command == "setup":
        return
    if command == "demo":
        os.execv(BIN / "carepath", [str(BIN / "carepath"), "demo", *rest])  # noqa: S606
    os.execv(PYTHON, [str(PYTHON), str(ROOT / "scripts" / "run_tests.py"), *rest])  # noqa: S606


if __name__ == "__main__":
    main()
