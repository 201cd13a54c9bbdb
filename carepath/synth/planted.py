"""Planted failures: practice failures the source documents describe, put into the synthetic
authority on purpose at known rates, and listed so later features (timescale alerts, drift flags,
audits) can be measured against them.

One row per failure: kind, the child's case_number (or the worker's username), the record
(record_type, record_id), start and end dates, origin and a description. Each kind has a unit
the rate applies to, and its own meaning of start and end:

- late_cp_visit (per child protection plan; record: the plan): one gap of more than 10 working
  days between statutory visits; start = the visit (or plan start) before the gap, end = the
  next visit (blank if none was made before the plan ended or today).
- late_cla_visit (per period of care of 60+ days; record: its first episode): one gap of more
  than 42 days between visits; start and end as above.
- late_cla_review (per period of care; record: the late review, blank if never held): one review
  later than 20 working days, 3 months or 6 months after the last; start = due, end = held.
- late_rcpc (per family's child protection plan; record: the plan): one review conference later
  than 3 months (the first) or 6 months (later ones); start = due, end = held.
- late_assessment (per assessment): authorised more than 45 working days after the referral,
  with no reason recorded; start = referral, end = authorised (blank if still open).
- supervision_gap (per registered social worker in post 9+ months; worker, record: the User): a
  stretch with no supervision. start = the supervision session before it, end = the session
  after it, 2 to 6 months later; or, for about a third of those still in post, end blank: no
  session since start (40 to 120 days before today), the gap still open and escalated. Sessions
  are held on start and end and never between (synth/assurance.py); every other stretch between
  sessions is within the rule (SUPV monthly, SUPV-NQ-* for newly qualified workers).
- worker_churn (per child with a year-long allocation): 4 or more changes of social worker in
  the 12 months from start. A change is a social-worker allocation that starts the day the
  previous one ended, to someone else.
- s20_without_consent (per section 20 episode; record: the V2 episode): every V2 episode is
  listed, since there is no consent model yet; the rate marks those meant to stay without
  consent once there is (origin planted; the others say by_construction).
- plan_stuck (per CP or CIN plan starting 18 to 30 months ago): the plan stays open with no
  progression; start = plan start.
- backdated_recording (per case note): written up 10 to 60 days after the activity; start =
  activity date, end = recorded date.
- optimistic_audit (per completed case audit; record: the CaseAudit): the audit was completed on
  a day when another planted failure of the child's left overdue work on the record (a late
  statutory visit, review or assessment, a plan open past 18 months with no progress, a section
  20 accommodation with no consent) and graded good or outstanding anyway; start = the day it
  was completed (the audit's date), end blank. The description names the failure it sits in. Every
  other audit graded good or better was completed outside any planted failure of the child's.

Only `worker_churn` can also arise without being planted (from staff turnover); those rows say
`origin=arose`. Every other kind is absent from the data except where planted, by construction,
so the file is the whole truth for the authority it came with. One qualification for
`optimistic_audit`: the honest audits avoid every planted failure, but the timescales engine also
finds overdue work no one planted (its accuracy benchmark lists it), so an honest good audit can
still be completed on a day such a clock was overdue; benchmarks/assurance.py counts those apart.
"""

import csv
import json
import random
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from .rates import DEFAULT_PLANTED_RATES

KINDS = tuple(DEFAULT_PLANTED_RATES)


@dataclass
class PlantedFailure:
    kind: str
    case_number: str  # blank for a worker-level failure
    record_type: str
    record_id: int | None
    start: date | None
    end: date | None
    description: str
    origin: str = "planted"
    worker: str = ""  # username, for worker-level failures


class PlantedFailures:
    def __init__(self, rates: dict[str, float] | None):
        unknown = set(rates or {}) - set(KINDS)
        if unknown:
            raise ValueError(
                f"Unknown planted failure kind(s): {', '.join(sorted(unknown))}. Known: {', '.join(KINDS)}"
            )
        self.rates = {**DEFAULT_PLANTED_RATES, **(rates or {})}
        self.rows: list[PlantedFailure] = []

    def roll(self, kind: str, rng: random.Random) -> bool:
        return rng.random() < self.rates[kind]

    def add(
        self,
        kind: str,
        *,
        case_number: str = "",
        record_type: str,
        record_id: int | None,
        start: date | None,
        end: date | None,
        description: str,
        origin: str = "planted",
        worker: str = "",
    ) -> None:
        self.rows.append(
            PlantedFailure(kind, case_number, record_type, record_id, start, end, description, origin, worker)
        )

    @property
    def planted_count(self) -> int:
        return sum(1 for row in self.rows if row.origin == "planted")

    def write(self, path: Path) -> None:
        path = Path(path)
        rows = sorted(
            self.rows,
            key=lambda r: (
                r.kind,
                r.case_number,
                r.worker,
                r.record_type,
                r.record_id or 0,
                r.start or date.min,
            ),
        )
        if path.suffix.lower() == ".json":
            data = [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(r).items()} for r in rows
            ]
            path.write_text(json.dumps({"rates": self.rates, "failures": data}, indent=1))
            return
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "kind",
                    "case_number",
                    "worker",
                    "record_type",
                    "record_id",
                    "start",
                    "end",
                    "origin",
                    "description",
                ]
            )
            for r in rows:
                writer.writerow(
                    [
                        r.kind,
                        r.case_number,
                        r.worker,
                        r.record_type,
                        r.record_id or "",
                        r.start.isoformat() if r.start else "",
                        r.end.isoformat() if r.end else "",
                        r.origin,
                        r.description,
                    ]
                )


def read_planted(path: Path) -> list[dict]:
    """The planted file as rows of strings (CSV) or values (JSON), for tests and later features."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return json.loads(path.read_text())["failures"]
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
