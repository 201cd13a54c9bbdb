"""Independent checks of a generated authority, written from the rules rather than from the
generator's code: the DfE integrity rules (rules.md 1.16 and 9.2, SSDA903 episode chaining), the
denormalised fields, and detectors for each kind of planted failure. Each returns a list of
problems (empty when the data is right) or the set of records a detector finds."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import models
from django.utils import timezone

from carepath.core import codes
from carepath.journey import models as jm
from carepath.people import models as pm
from carepath.synth.calendar import WorkingDays

LONDON = timezone.get_default_timezone()


def calendar(today: date) -> WorkingDays:
    return WorkingDays(today - timedelta(days=15 * 365), today + timedelta(days=3 * 365))


def _by_child(qs, *fields):
    grouped = defaultdict(list)
    for row in qs.values("child_id", *fields):
        grouped[row["child_id"]].append(row)
    return grouped


def _day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, LONDON).date()
    return value


# -- integrity -------------------------------------------------------------------------------------


def integrity_problems(today: date) -> list[str]:
    problems: list[str] = []
    add = problems.append
    referrals = _by_child(jm.Referral.objects, "id", "referral_date", "closure_date", "closure_reason", "nfa")
    dates = {r["id"]: r for rows in referrals.values() for r in rows}

    for child_id, rows in referrals.items():
        rows.sort(key=lambda r: (r["referral_date"], r["id"]))
        open_rows = [r for r in rows if r["closure_date"] is None and not r["nfa"]]
        if len(open_rows) > 1:
            add(f"child {child_id}: {len(open_rows)} open CIN episodes")
        for a, b in zip(rows, rows[1:], strict=False):
            if a["closure_date"] is None or b["referral_date"] < a["closure_date"]:
                add(f"child {child_id}: CIN episodes {a['id']} and {b['id']} overlap")
        for r in rows:
            if bool(r["closure_date"]) != bool(r["closure_reason"]):
                add(f"referral {r['id']}: closure date and reason must come together")

    # Everything in an episode is on or after the referral, and on or before the closure (8565).
    def within(model, date_fields, label, must_finish=None):
        for row in model.objects.values("id", "referral_id", *date_fields):
            ref = dates[row["referral_id"]]
            for f in date_fields:
                value = row[f]
                if value is None:
                    continue
                value = _day(value)
                if value < ref["referral_date"]:
                    add(f"{label} {row['id']}: {f} {value} before the referral {ref['referral_date']}")
                if ref["closure_date"] and value > ref["closure_date"]:
                    add(f"{label} {row['id']}: {f} {value} after the episode closed {ref['closure_date']}")
            if must_finish and ref["closure_date"] and row[must_finish] is None:
                add(f"{label} {row['id']}: still open in a closed episode")

    within(jm.Assessment, ["start_date", "authorised_on"], "assessment", "authorised_on")
    within(jm.Section47Enquiry, ["start_date", "end_date"], "section 47", "end_date")
    within(jm.ChildProtectionConference, ["held_on"], "conference")
    within(jm.ChildProtectionPlan, ["start_date", "end_date"], "CP plan", "end_date")
    within(jm.ChildInNeedPlan, ["start_date", "end_date"], "CIN plan", "end_date")
    within(jm.StrategyDiscussion, ["held_at"], "strategy discussion")

    for nfa_id in jm.Referral.objects.filter(nfa=True).values_list("id", flat=True):
        if jm.ChildInNeedPlan.objects.filter(referral_id=nfa_id).exists():
            add(f"referral {nfa_id}: a CIN plan on a no-further-action referral (4000)")

    conferences = {
        c["id"]: c
        for c in jm.ChildProtectionConference.objects.values(
            "id", "held_on", "kind", "plan_required", "child_id", "referral_id"
        )
    }
    cp = _by_child(
        jm.ChildProtectionPlan.objects, "id", "start_date", "end_date", "initial_conference_id", "referral_id"
    )
    cin = _by_child(jm.ChildInNeedPlan.objects, "id", "start_date", "end_date")
    for child_id, plans in cp.items():
        plans.sort(key=lambda p: p["start_date"])
        for p in plans:
            icpc = conferences[p["initial_conference_id"]]
            if icpc["held_on"] != p["start_date"] or icpc["kind"] != "initial" or not icpc["plan_required"]:
                add(f"CP plan {p['id']}: does not start on its initial conference")
            if p["end_date"] is not None and p["end_date"] <= p["start_date"]:
                add(f"CP plan {p['id']}: starts and ends on the same day")
        for a, b in zip(plans, plans[1:], strict=False):
            if a["end_date"] is None or a["end_date"] > b["start_date"]:
                add(f"child {child_id}: CP plans {a['id']} and {b['id']} overlap")
    for child_id, plans in cin.items():
        plans.sort(key=lambda p: p["start_date"])
        for a, b in zip(plans, plans[1:], strict=False):
            if a["end_date"] is None or a["end_date"] > b["start_date"]:
                add(f"child {child_id}: CIN plans {a['id']} and {b['id']} overlap")
        for c in plans:
            for p in cp.get(child_id, []):
                c_end = c["end_date"] or date.max
                p_end = p["end_date"] or date.max
                if c["start_date"] < p_end and p["start_date"] < c_end:
                    add(f"child {child_id}: CIN plan {c['id']} runs alongside CP plan {p['id']} (4001)")
    for conf in conferences.values():
        if conf["kind"] != "review":
            continue
        plans = [p for p in cp.get(conf["child_id"], []) if p["referral_id"] == conf["referral_id"]]
        if not any(p["start_date"] < conf["held_on"] <= (p["end_date"] or date.max) for p in plans):
            add(f"review conference {conf['id']}: not within a CP plan (8841/8869)")
        ends_plan = any(p["end_date"] == conf["held_on"] for p in plans)
        for c in cin.get(conf["child_id"], []):
            if c["start_date"] <= conf["held_on"] < (c["end_date"] or date.max) and not ends_plan:
                add(f"review conference {conf['id']}: held during an open CIN plan (4003)")

    problems += _episode_problems()
    problems += _child_problems(today)
    problems += _contact_and_allocation_problems()
    problems += _recording_problems(today)
    problems += _choice_problems()
    return problems


def _episode_problems() -> list[str]:
    problems = []
    add = problems.append
    episodes = _by_child(
        jm.LookedAfterEpisode.objects,
        "id",
        "start_date",
        "end_date",
        "reason_ceased",
        "reason_new_episode",
        "legal_status",
        "placement_type",
        "placement_provider",
        "placement_postcode",
        "placement_change_reason",
    )
    for child_id, rows in episodes.items():
        rows.sort(key=lambda r: (r["start_date"], r["id"]))
        if rows[0]["reason_new_episode"] != "S":
            add(f"child {child_id}: first looked-after episode does not start a period (RNE S)")
        for e in rows:
            if e["legal_status"] == "V2" and e["placement_type"] == "P1":
                add(f"episode {e['id']}: placed with parents under section 20 (rule 378)")
        for a, b in zip(rows, rows[1:], strict=False):
            if a["end_date"] is None or a["end_date"] > b["start_date"]:
                add(f"child {child_id}: episodes {a['id']} and {b['id']} overlap")
                continue
            joined = a["end_date"] == b["start_date"]
            if joined != (a["reason_ceased"] == "X1"):
                add(f"episode {a['id']}: X1 must mean a new episode the same day, and only then")
            if joined and b["reason_new_episode"] == "S":
                add(f"episode {b['id']}: RNE S on a continuing period")
            if not joined and b["reason_new_episode"] != "S":
                add(f"episode {b['id']}: a new period must start with RNE S")
            if joined:
                rne = b["reason_new_episode"]
                same_place = (a["placement_type"], a["placement_postcode"]) == (
                    b["placement_type"],
                    b["placement_postcode"],
                )
                if rne == "L" and (not same_place or a["legal_status"] == b["legal_status"]):
                    add(f"episode {b['id']}: RNE L needs a legal status change and the same placement")
                if (
                    rne in ("P", "B")
                    and a["placement_postcode"] == b["placement_postcode"]
                    and (a["placement_type"] == b["placement_type"])
                ):
                    add(f"episode {b['id']}: RNE {rne} without a change of placement")
                if rne in ("P", "B", "T", "U") and not a["placement_change_reason"]:
                    add(f"episode {a['id']}: reason for placement change missing (903 rule 225)")
    return problems


def _child_problems(today: date) -> list[str]:
    problems = []
    add = problems.append
    for child in pm.Child.objects.values("id", "date_of_birth", "expected_date_of_birth", "sex"):
        if child["date_of_birth"] is None and (
            child["sex"] != "U" or child["expected_date_of_birth"] is None
        ):
            add(f"child {child['id']}: an unborn child needs an expected date and sex U")
    births = {
        c["id"]: c["date_of_birth"] or c["expected_date_of_birth"]
        for c in pm.Child.objects.values("id", "date_of_birth", "expected_date_of_birth")
    }
    for r in jm.Referral.objects.values("id", "child_id", "referral_date"):
        if r["referral_date"] < births[r["child_id"]] - timedelta(weeks=40):
            add(f"referral {r['id']}: more than 40 weeks before the child's birth")
        if r["referral_date"] >= births[r["child_id"]] + relativedelta(years=18):
            add(f"referral {r['id']}: after the child turned 18")
    for factors in jm.Assessment.objects.exclude(factors=[]).values_list("factors", flat=True):
        if any(f not in codes.ASSESSMENT_FACTORS for f in factors) or (
            codes.NO_FACTORS in factors and len(factors) > 1
        ):
            add(f"assessment factors {factors} are not valid")
    return problems


def _contact_and_allocation_problems() -> list[str]:
    problems = []
    add = problems.append
    for c in jm.Contact.objects.values("id", "decision", "decided_at", "received_at"):
        if bool(c["decision"]) != bool(c["decided_at"]):
            add(f"contact {c['id']}: a decision needs its time and vice versa")
        if c["decided_at"] and c["decided_at"] < c["received_at"]:
            add(f"contact {c['id']}: decided before it was received")
    allocations = _by_child(pm.Allocation.objects, "id", "kind", "started_on", "ended_on", "end_reason")
    for child_id, rows in allocations.items():
        by_kind = defaultdict(list)
        for r in rows:
            by_kind[r["kind"]].append(r)
            if bool(r["ended_on"]) != bool(r["end_reason"]):
                add(f"allocation {r['id']}: an ended allocation needs an end reason and only then")
        for kind, allocs in by_kind.items():
            allocs.sort(key=lambda r: (r["started_on"], r["id"]))
            for a, b in zip(allocs, allocs[1:], strict=False):
                if a["ended_on"] is None or a["ended_on"] > b["started_on"]:
                    add(f"child {child_id}: {kind} allocations {a['id']} and {b['id']} overlap")
    return problems


ACTIVITY_FIELDS = {
    jm.Contact: "received_at",
    jm.Referral: "referral_date",
    jm.Assessment: "start_date",
    jm.StrategyDiscussion: "held_at",
    jm.Section47Enquiry: "start_date",
    jm.ChildProtectionConference: "held_on",
    jm.ChildProtectionPlan: "start_date",
    jm.ChildInNeedPlan: "start_date",
    jm.CoreGroupMeeting: "held_on",
    jm.Visit: "visited_at",
    jm.CaseNote: "happened_at",
    jm.LookedAfterEpisode: "start_date",
    jm.LookedAfterReview: "held_on",
    jm.MissingEpisode: "started_on",
    jm.EarlyHelpEpisode: "start_date",
    pm.Allocation: "started_on",
    jm.WrittenAgreement: "agreed_on",
}


def _recording_problems(today: date) -> list[str]:
    """Nothing happened in the future; nothing was recorded before it happened or after `today` began."""
    problems = []
    start_of_today = timezone.make_aware(datetime.combine(today, time.min), LONDON)
    for model, field in ACTIVITY_FIELDS.items():
        for row in model.objects.values("id", field, "recorded_at").iterator():
            activity = _day(row[field])
            if activity >= today:
                problems.append(f"{model.__name__} {row['id']}: activity on {activity}, not before today")
            if row["recorded_at"] >= start_of_today:
                problems.append(f"{model.__name__} {row['id']}: recorded after the generator's today began")
            if _day(row["recorded_at"]) < activity:
                problems.append(f"{model.__name__} {row['id']}: recorded before it happened")
    return problems


def _choice_problems() -> list[str]:
    """Every coded value is one the model's code list allows (the database does not check these)."""
    problems = []
    for app in ("people", "journey"):
        for model in apps.get_app_config(app).get_models():
            for f in model._meta.concrete_fields:
                if not f.choices or isinstance(f, models.ForeignKey):
                    continue
                allowed = {str(k) for k, _ in f.flatchoices} | ({""} if f.blank else set())
                used = {
                    str(v)
                    for v in model.objects.values_list(f.attname, flat=True).distinct()
                    if v is not None
                }
                if used - allowed:
                    problems.append(
                        f"{model.__name__}.{f.name}: values {sorted(used - allowed)} not in its code list"
                    )
    return problems


# -- detectors for planted failures ----------------------------------------------------------------


def _periods_of_care() -> dict[int, list[dict]]:
    """Chains of looked-after episodes joined by X1: (child -> [{start, end, first_id, placements}])."""
    periods = defaultdict(list)
    episodes = _by_child(
        jm.LookedAfterEpisode.objects, "id", "start_date", "end_date", "reason_ceased", "reason_new_episode"
    )
    for child_id, rows in episodes.items():
        rows.sort(key=lambda r: (r["start_date"], r["id"]))
        for e in rows:
            if e["reason_new_episode"] == "S":
                periods[child_id].append(
                    {
                        "start": e["start_date"],
                        "end": e["end_date"],
                        "first_id": e["id"],
                        "placements": [e["start_date"]],
                    }
                )
            else:
                period = periods[child_id][-1]
                period["end"] = e["end_date"]
                if e["reason_new_episode"] != "L":
                    period["placements"].append(e["start_date"])
    return periods


def late_cp_visits(today: date, wd: WorkingDays) -> set[int]:
    """Child protection plans with a gap of more than 10 working days between statutory visits."""
    visits = defaultdict(list)
    for child_id, at in jm.Visit.objects.filter(kind="cp").values_list("child_id", "visited_at"):
        visits[child_id].append(_day(at))
    late = set()
    for plan in jm.ChildProtectionPlan.objects.values("id", "child_id", "start_date", "end_date"):
        stop = min(plan["end_date"] or today, today)
        days = sorted(d for d in visits[plan["child_id"]] if plan["start_date"] <= d < stop)
        previous = plan["start_date"]
        for day in days + [None]:
            if day is None:
                if wd.add(previous, 10) < stop:
                    late.add(plan["id"])
            elif wd.between(previous, day) > 10:
                late.add(plan["id"])
            previous = day or previous
    return late


def late_cla_visits(today: date) -> set[int]:
    """Periods of care (by first episode) with more than 42 days between statutory visits."""
    visits = defaultdict(list)
    for child_id, at in jm.Visit.objects.filter(kind="cla").values_list("child_id", "visited_at"):
        visits[child_id].append(_day(at))
    late = set()
    for child_id, periods in _periods_of_care().items():
        for period in periods:
            stop = min(period["end"] or today, today)
            days = sorted(d for d in visits[child_id] if period["start"] <= d < stop)
            previous = None
            for day in days:
                if previous is not None and (day - previous).days > 42:
                    late.add(period["first_id"])
                previous = day
            if previous is not None and previous + timedelta(days=42) < stop:
                late.add(period["first_id"])
    return late


def placements_without_a_visit_in_a_week(today: date) -> list[tuple[int, date]]:
    visits = defaultdict(set)
    for child_id, at in jm.Visit.objects.filter(kind="cla").values_list("child_id", "visited_at"):
        visits[child_id].add(_day(at))
    missing = []
    for child_id, periods in _periods_of_care().items():
        for period in periods:
            stop = min(period["end"] or today, today)
            for start in period["placements"]:
                window = [start + timedelta(days=i) for i in range(7)]
                if window[-1] < stop and not visits[child_id].intersection(window):
                    missing.append((period["first_id"], start))
    return missing


def late_cla_reviews(today: date, wd: WorkingDays) -> set[tuple[int, date]]:
    """(child, due date) of looked-after reviews held late or overdue: 20 working days, 3 months, 6 months."""
    reviews = defaultdict(list)
    for child_id, held in jm.LookedAfterReview.objects.values_list("child_id", "held_on"):
        reviews[child_id].append(held)
    late = set()
    for child_id, periods in _periods_of_care().items():
        for period in periods:
            stop = min(period["end"] or today, today)
            held = sorted(d for d in reviews[child_id] if period["start"] <= d < stop)
            due = wd.add(period["start"], 20)
            for k, day in enumerate(held + [None], start=1):
                if day is None:
                    if due < stop:
                        late.add((child_id, due))
                    break
                if day > due:
                    late.add((child_id, due))
                due = day + relativedelta(months=3 if k == 1 else 6)
    return late


def late_rcpcs(today: date) -> set[tuple[int, date]]:
    """(plan, due date) of review conferences held late or overdue: 3 months, then 6 months."""
    reviews = defaultdict(list)
    for child_id, held in jm.ChildProtectionConference.objects.filter(kind="review").values_list(
        "child_id", "held_on"
    ):
        reviews[child_id].append(held)
    late = set()
    for plan in jm.ChildProtectionPlan.objects.values("id", "child_id", "start_date", "end_date"):
        stop = min(plan["end_date"] or today, today)
        held = sorted(
            d for d in reviews[plan["child_id"]] if plan["start_date"] < d <= (plan["end_date"] or today)
        )
        due = plan["start_date"] + relativedelta(months=3)
        for day in held + [None]:
            if day is None:
                if due < stop:
                    late.add((plan["id"], due))
                break
            if day > due:
                late.add((plan["id"], due))
            due = day + relativedelta(months=6)
    return late


def late_assessments(today: date, wd: WorkingDays) -> set[int]:
    late = set()
    for a in jm.Assessment.objects.filter(late_reason="").values(
        "id", "authorised_on", "referral__referral_date"
    ):
        due = wd.add(a["referral__referral_date"], 45)
        if (a["authorised_on"] and a["authorised_on"] > due) or (a["authorised_on"] is None and due < today):
            late.add(a["id"])
    return late


def stuck_plans(today: date) -> set[tuple[str, int]]:
    cutoff = today - relativedelta(months=18)
    found = {
        ("ChildProtectionPlan", i)
        for i in jm.ChildProtectionPlan.objects.filter(
            end_date__isnull=True, start_date__lt=cutoff
        ).values_list("id", flat=True)
    }
    found |= {
        ("ChildInNeedPlan", i)
        for i in jm.ChildInNeedPlan.objects.filter(end_date__isnull=True, start_date__lt=cutoff).values_list(
            "id", flat=True
        )
    }
    return found


def backdated_notes(days: int = 10) -> set[int]:
    return {
        n["id"]
        for n in jm.CaseNote.objects.values("id", "happened_at", "recorded_at")
        if n["recorded_at"] - n["happened_at"] >= timedelta(days=days)
    }


def social_worker_changes(child_id: int) -> tuple[int, date | None]:
    """The most changes of social worker in any 12 months: allocations that start the day the
    previous one ended, to someone else."""
    rows = list(
        pm.Allocation.objects.filter(child_id=child_id, kind="social_worker")
        .order_by("started_on", "id")
        .values("worker_id", "started_on", "ended_on")
    )
    changes = [
        b["started_on"]
        for a, b in zip(rows, rows[1:], strict=False)
        if a["ended_on"] == b["started_on"] and a["worker_id"] != b["worker_id"]
    ]
    best, begin = 0, None
    for i, day in enumerate(changes):
        count = sum(1 for d in changes[i:] if d < day + timedelta(days=365))
        if count > best:
            best, begin = count, day
    return best, begin


# -- rates -----------------------------------------------------------------------------------------


def authority_rates(today: date) -> dict[str, float]:
    """The national measures the generator follows, computed from the generated records."""
    contacts = jm.Contact.objects.exclude(decision="")
    referrals = list(jm.Referral.objects.values("id", "child_id", "referral_date", "nfa"))
    n_ref = len(referrals)
    by_child = defaultdict(list)
    for r in referrals:
        by_child[r["child_id"]].append(r["referral_date"])
    re_referrals = sum(
        1
        for r in referrals
        if any(
            r["referral_date"] - timedelta(days=365) <= d < r["referral_date"]
            for d in by_child[r["child_id"]]
        )
    )
    assessments = jm.Assessment.objects.exclude(outcome="")
    n_assessed = assessments.count()
    s47_referrals = jm.Section47Enquiry.objects.values("referral_id").distinct().count()
    icpcs = jm.ChildProtectionConference.objects.filter(kind="initial")
    plans = list(jm.ChildProtectionPlan.objects.values("child_id", "start_date", "end_date"))
    durations = sorted((p["end_date"] - p["start_date"]).days for p in plans if p["end_date"])
    plan_starts = defaultdict(list)
    for p in plans:
        plan_starts[p["child_id"]].append(p["start_date"])
    repeat_plans = sum(1 for p in plans if any(d < p["start_date"] for d in plan_starts[p["child_id"]]))
    # Starts in the five-year window (children in care since before it entered by older routes).
    starts = jm.LookedAfterEpisode.objects.filter(
        reason_new_episode="S", start_date__gte=today - relativedelta(years=5)
    )
    n_starts = starts.count()
    legal = defaultdict(int)
    for ls in starts.values_list("legal_status", flat=True):
        legal[ls] += 1
    placements = list(jm.LookedAfterEpisode.objects.values_list("placement_type", flat=True))
    statuses = defaultdict(int)
    for s in pm.Child.objects.values_list("status", flat=True):
        statuses[s] += 1
    children = sum(statuses.values())
    social_care = statuses["looked_after"] + statuses["child_protection"] + statuses["child_in_need"]
    return {
        "contact_to_referral": contacts.filter(decision="referral").count() / contacts.count(),
        "referral_nfa": sum(1 for r in referrals if r["nfa"]) / n_ref,
        "assessments_per_referral": jm.Assessment.objects.count() / n_ref,
        "assessment_nfa": assessments.filter(outcome="nfa").count() / n_assessed,
        "assessment_terminated": assessments.filter(outcome="terminated").count() / n_assessed,
        "referrals_with_s47": s47_referrals / n_ref,
        "s47_to_icpc": icpcs.count() / jm.Section47Enquiry.objects.count(),
        "icpc_to_plan": icpcs.filter(plan_required=True).count() / icpcs.count(),
        "cp_plan_median_months": durations[len(durations) // 2] / 30.44 if durations else 0.0,
        "cp_plans_repeat": repeat_plans / len(plans),
        "re_referrals_12_months": re_referrals / n_ref,
        "referrals_to_care": jm.LookedAfterEpisode.objects.filter(reason_new_episode="S").count() / n_ref,
        "care_starts_v2": legal["V2"] / n_starts,
        "care_starts_c1": legal["C1"] / n_starts,
        "care_starts_l1_l2": (legal["L1"] + legal["L2"]) / n_starts,
        "placements_foster": sum(1 for p in placements if p.startswith("U")) / len(placements),
        "open_share": (children - statuses["closed"]) / children,
        "looked_after_share_of_social_care": statuses["looked_after"] / social_care,
        "child_protection_share_of_social_care": statuses["child_protection"] / social_care,
    }


# -- reproducibility -------------------------------------------------------------------------------


def canonical_digest() -> str:
    """A hash of every row the generator writes (people and journey apps), in key order."""
    import hashlib

    digest = hashlib.sha256()
    for app in ("people", "journey"):
        for model in sorted(apps.get_app_config(app).get_models(), key=lambda m: m.__name__):
            fields = [f.attname for f in model._meta.concrete_fields]
            digest.update(model.__name__.encode())
            for row in model.objects.order_by("pk").values_list(*fields):
                digest.update(repr(row).encode())
    return digest.hexdigest()
