"""Page latency under concurrent users, against a real server process on loopback.

Generates a synthetic authority (or reuses the database), starts gunicorn, signs in N simulated
users and has each open its pages in a loop for a bounded time (social workers also open My work,
team managers their team's work page). Prints median and 95th percentile latency per page.
Traffic goes only to 127.0.0.1, and every loop stops by itself.
"""

import argparse
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def carepath(env, *args, capture=False):
    cmd = [str(ROOT / ".venv" / "bin" / "carepath"), *args]
    if capture:
        return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    subprocess.run(cmd, env=env, check=True)


PREPARE = r"""
import json, random
from carepath.people.models import User, Child, Team
from carepath.core.permissions import Role
password = {password!r}
rng = random.Random(7)
users = []
def pick(role, n):
    qs = list(User.objects.filter(role=role, is_active=True, team__isnull=False).order_by("pk"))
    rng.shuffle(qs)
    return qs[:n]
workers = [u for u in pick(Role.SOCIAL_WORKER, 200) if Child.objects.filter(allocated_worker=u).exists()][:{sw}]
managers = pick(Role.TEAM_MANAGER, {tm})
heads = list(User.objects.filter(role=Role.HEAD_OF_SERVICE, is_active=True).order_by("pk")[:{hos}])
legal = list(User.objects.filter(role__in=[Role.LEGAL_PANEL_MEMBER, Role.SOLICITOR], is_active=True).order_by("pk")[:{legal}])
quality = list(User.objects.filter(role__in=[Role.QA_LEAD, Role.QA_AUDITOR], is_active=True).order_by("pk")[:{quality}])
for u in workers + managers + heads + legal + quality:
    u.set_password(password); u.two_factor_required = False; u.save()
    entry = {{"username": u.username, "role": u.role, "team": u.team_id, "service": u.service_id}}
    if u.role in (Role.QA_LEAD, Role.QA_AUDITOR):
        from carepath.assurance.models import CaseAudit
        # The children their audits open to them now (an audit's grant lapses after its time).
        from carepath.people.selectors import children_visible_to
        audited = CaseAudit.objects.filter(auditor=u).values("child_id")
        entry["children"] = [str(c) for c in children_visible_to(u).filter(pk__in=audited).values_list("public_id", flat=True)[:30]]
    elif u.role == Role.SOCIAL_WORKER:
        entry["children"] = [str(c) for c in Child.objects.filter(allocated_worker=u, is_restricted=False).values_list("public_id", flat=True)[:30]]
    else:
        qs = Child.objects.filter(allocated_team=u.team) if u.team_id else Child.objects.filter(allocated_team__service=u.service)
        entry["children"] = [str(c) for c in qs.exclude(is_restricted=True).values_list("public_id", flat=True)[:30]]
    users.append(entry)
# The child with the longest history, opened by its worker's manager (or head of service).
print(json.dumps(users))
"""


def prepare_users(env, password, sw, tm, hos, legal=0, quality=0):
    import json

    code = PREPARE.format(password=password, sw=sw, tm=tm, hos=hos, legal=legal, quality=quality)
    out = carepath(env, "shell", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    page = client.get("/sign-in/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/sign-in/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": str(client.base_url) + "/sign-in/"},
    )
    if r.status_code not in (302, 303):
        raise SystemExit(f"Could not sign in {username}: {r.status_code}")


# The legal pathway's lists (issue 4), opened by managers, panel members and solicitors.
LEGAL_PAGES = {
    "tracker": "/legal/panel/",
    "plo": "/legal/pre-proceedings/",
    "s20": "/legal/section-20/",
    "court": "/legal/proceedings/",
}


# Practice assurance (issue 5): the QA lead's and auditors' pages, managers' supervision pages and
# the reports, opened by QA staff, team managers and heads of service.
ASSURANCE_PAGES = {
    "home": "/assurance/",
    "audits": "/assurance/my-audits/",
    "programmes": "/assurance/programmes/",
    "agreement": "/assurance/reports/agreement/",
    "calibration": "/assurance/reports/calibration/",
    "learning": "/assurance/reports/learning/",
    "supervision": "/assurance/supervision/",
    "compliance": "/assurance/supervision/compliance/",
}
# Which of them each role opens (a page a role may not open is not in its list).
ASSURANCE_BY_ROLE = {
    "qa_lead": ["home", "audits", "programmes", "agreement", "calibration", "learning", "child tab"],
    "qa_auditor": ["home", "audits", "child tab"],
    "team_manager": ["home", "supervision", "compliance", "agreement", "learning", "child tab"],
    "head_of_service": [
        "home",
        "supervision",
        "compliance",
        "agreement",
        "calibration",
        "learning",
        "child tab",
    ],
}


def simulated_user(base, entry, password, deadline, results, lock, errors, think, mix="casework"):
    rng = random.Random(entry["username"])
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        sign_in(client, entry["username"], password)
        if mix == "assurance":
            pages = [p for p in ASSURANCE_BY_ROLE[entry["role"]] if p != "child tab" or entry["children"]]
            for page in pages:  # untimed first visits, as for the legal mix
                if page != "child tab":
                    client.get(ASSURANCE_PAGES[page])
            while time.monotonic() < deadline:
                choice = rng.choice(pages)
                if choice == "child tab":
                    path = f"/children/{rng.choice(entry['children'])}/assurance/"
                else:
                    path = ASSURANCE_PAGES[choice]
                start = time.perf_counter()
                r = client.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                if think:
                    time.sleep(rng.uniform(0.5 * think, 1.5 * think))
                with lock:
                    if r.status_code != 200:
                        errors.append((path, r.status_code))
                    else:
                        results.setdefault(choice, []).append(elapsed)
            return
        if mix == "legal":
            # Untimed first visits: each server thread compiles its templates and fills its caches
            # once; the figures are for the steady state after that (the report says so).
            for path in LEGAL_PAGES.values():
                client.get(path)
        while time.monotonic() < deadline:
            if mix == "legal":
                choice = rng.choices(["tracker", "plo", "s20", "court"], weights=[3, 3, 3, 1])[0]
                path = LEGAL_PAGES[choice]
                start = time.perf_counter()
                r = client.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                if think:
                    time.sleep(rng.uniform(0.5 * think, 1.5 * think))
                with lock:
                    if r.status_code != 200:
                        errors.append((path, r.status_code))
                    else:
                        results.setdefault(choice, []).append(elapsed)
                continue
            if entry["role"] == "social_worker":
                choice = rng.choices(["caseload", "work", "child", "timeline"], weights=[2, 2, 4, 2])[0]
            elif entry["role"] == "team_manager":
                choice = rng.choices(["team", "team work", "child", "timeline"], weights=[3, 2, 3, 2])[0]
            else:
                choice = rng.choices(["service", "child"], weights=[3, 7])[0]
            if choice in ("child", "timeline") and not entry["children"]:
                choice = "caseload"
            if choice == "caseload":
                path = "/"
            elif choice == "work":
                path = "/work/"  # My work: the worker's deadlines (timescales:my-work)
            elif choice == "team":
                path = f"/teams/{entry['team']}/"
            elif choice == "team work":
                path = f"/work/team/{entry['team']}/"  # the team's deadlines (timescales:team-work)
            elif choice == "service":
                path = f"/services/{entry['service']}/"
            elif choice == "child":
                path = f"/children/{rng.choice(entry['children'])}/"
            else:
                path = f"/children/{rng.choice(entry['children'])}/journey/"
            start = time.perf_counter()
            r = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            if think:
                # A person reads the page before the next click: think time around the given mean.
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            with lock:
                if r.status_code != 200 and not (choice == "caseload" and r.status_code == 302):
                    errors.append((path, r.status_code))
                else:
                    results.setdefault(choice, []).append(elapsed)


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    f, c = int(k), min(int(k) + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL; SQLite in a temporary folder if empty."
    )
    parser.add_argument("--data-dir", default="", help="Folder for the SQLite database (kept, for --reuse).")
    parser.add_argument("--reuse", action="store_true", help="Use the existing database as it is.")
    parser.add_argument("--users", type=int, default=20, help="Concurrent simulated users (default 20).")
    parser.add_argument("--seconds", type=int, default=60, help="How long the load runs (default 60).")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes.")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="Mean seconds a user spends reading a page before the next (default 1.0; 0 = no pause, a stress test).",
    )
    parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
    parser.add_argument(
        "--mix",
        choices=["casework", "legal", "assurance"],
        default="casework",
        help="casework: caseloads, work queues and children's records; legal: the panel tracker, PLO "
        "list, section 20 register and proceedings list, by managers, heads of service, panel members "
        "and solicitors; assurance: audits, reports, supervision and children's assurance tabs, by "
        "QA staff, team managers and heads of service.",
    )
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="carepath-bench-"))
    env = {
        **os.environ,
        "CAREPATH_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "carepath.config.settings.demo",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    label = "PostgreSQL" if args.database_url else "SQLite"
    if not args.reuse:
        if args.database_url:
            carepath(env, "flush", "--no-input")
        carepath(env, "migrate", "-v", "0")
        print(f"Generating {args.children:,} children into {label}…", flush=True)
        t = time.perf_counter()
        carepath(env, "generate", "--children", str(args.children), "--seed", str(args.seed))
        print(f"  generated in {time.perf_counter() - t:.0f} s", flush=True)
    password = secrets.token_urlsafe(12)
    if args.mix == "legal":
        # Everyone with the legal lists: team managers, every head of service, panel and solicitors.
        users = prepare_users(env, password, 0, args.users, args.users, args.users)
        users = [u for u in users if u["role"] != "team_manager"][: args.users // 2]
        users += prepare_users(env, password, 0, args.users - len(users), 0, 0)
    elif args.mix == "assurance":
        # A quarter QA staff (as many as there are), the rest team managers and heads of service.
        users = prepare_users(env, password, 0, 0, 0, 0, max(1, args.users // 4))
        hos = max(1, (args.users - len(users)) // 3)
        users += prepare_users(env, password, 0, args.users - len(users) - hos, hos)
    else:
        sw = max(1, args.users * 12 // 20)
        tm = max(1, args.users * 6 // 20)
        hos = max(1, args.users - sw - tm)
        users = prepare_users(env, password, sw, tm, hos)
    carepath(env, "collectstatic", "--no-input", "-v", "0")
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "gunicorn",
            "carepath.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "/dev/null",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/health/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        results: dict[str, list[float]] = {}
        errors: list = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=simulated_user,
                args=(base, u, password, deadline, results, lock, errors, args.think, args.mix),
            )
            for u in users
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=args.seconds + 120)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\n{label}: {len(users)} concurrent users ({args.mix}{', after one untimed visit to each page' if args.mix in ('legal', 'assurance') else ''}) for {args.seconds} s, gunicorn {args.workers}×{args.threads}"
    )
    print(f"{'page':<12} {'requests':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    all_values = []
    for page, values in sorted(results.items()):
        all_values += values
        print(
            f"{page:<12} {len(values):>9} {statistics.median(values):>10.1f} {percentile(values, 0.95):>8.1f} {max(values):>8.1f}"
        )
    if all_values:
        print(
            f"{'all':<12} {len(all_values):>9} {statistics.median(all_values):>10.1f} {percentile(all_values, 0.95):>8.1f} {max(all_values):>8.1f}"
        )
    print(f"errors: {len(errors)}" + (f" e.g. {errors[:3]}" if errors else ""))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
