"""Reading a child's record for the engine: the same narrow queries for one child (after a save)
and for thousands at once (a full recompute), so both paths see exactly the same facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, models
from django.db.models import CharField, Func, Q

from carepath.assurance import models as am
from carepath.journey import models as jm
from carepath.legal import models as lm
from carepath.people import models as pm


@dataclass
class ChildHistory:
    child_id: int
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    contacts: list = field(default_factory=list)  # (id, received_at, decided_at)
    referrals: list = field(default_factory=list)  # (id, referral_date, decided_at, nfa, closure_date)
    assessments: list = field(
        default_factory=list
    )  # (id, referral_id, start, authorised, completed, outcome, late_reason)
    strategy_discussions: list = field(default_factory=list)  # (id, referral_id, held_at, s47_initiated)
    enquiries: list = field(
        default_factory=list
    )  # (id, referral_id, strategy_id, start, end, outcome, icpc_not_required)
    conferences: list = field(default_factory=list)  # (id, referral_id, kind, held_on, section_47_id)
    cp_plans: list = field(default_factory=list)  # (id, referral_id, start, end, visit_frequency)
    core_groups: list = field(default_factory=list)  # (plan_id, held_on)
    cin_plans: list = field(default_factory=list)  # (id, referral_id, start, end)
    visits: list = field(default_factory=list)  # (visited_at, kind, child_seen)
    episodes: list = field(
        default_factory=list
    )  # (id, start, end, legal_status, placement_type, rne, pp_started_at)
    reviews: list = field(default_factory=list)  # held_on
    allocations: list = field(default_factory=list)  # (worker_id, started_on, ended_on), social workers
    oversight: list = field(default_factory=list)  # happened_at of management oversight notes
    # The legal pathway (legal app). Family-level records are read once per child in the case.
    pr_holders: list = field(default_factory=list)  # person ids with parental responsibility
    gateway_requests: list = field(default_factory=list)  # (id, requested_on, withdrawn_on)
    panel_decisions: list = field(default_factory=list)  # (request_id, decided_on, outcome)
    panel_actions: list = field(default_factory=list)  # (id, set_on, due_on, done_on, owner_id)
    pre_proceedings: list = field(
        default_factory=list
    )  # (id, started, step_on, fgdm_offered_on, fgdm_accepted, fgdm_held_on, not_offered_reason)
    pp_meetings: list = field(default_factory=list)  # (pre_proceedings_id, held_on, effective)
    letters: list = field(default_factory=list)  # (pre_proceedings_id, recipient_id, sent_on)
    proceedings: list = field(
        default_factory=list
    )  # (id, issued_on, final_order_on, concluded_on, pre_proceedings_id)
    hearings: list = field(default_factory=list)  # (proceedings_id, kind, held_on, effective)
    extensions: list = field(default_factory=list)  # (proceedings_id, weeks)
    s20_consents: list = field(default_factory=list)  # Section20Consent field values, see CONSENT_FIELDS
    police_protections: list = field(default_factory=list)  # (id, taken_at, ended_at)
    pp_reviews: list = field(default_factory=list)  # (police_protection_id, completed_on)
    permanence: list = field(
        default_factory=list
    )  # (id, plan_recorded_on, parallel_plan, considered_on, adm_on, po_on, matched_on, placed_on, order_on, reversed_on)
    care_plans: list = field(default_factory=list)  # authorised_on of each care plan version
    # Practice assurance (assurance app).
    directions: list = field(default_factory=list)  # directed_on of each case direction
    case_audits: list = field(
        default_factory=list
    )  # (id, assigned_on, due_on, completed_on, withdrawn_on, auditor_id)
    audit_actions: list = field(default_factory=list)  # (id, set_on, due_on, done_on, owner_id)
    audit_escalations: list = field(default_factory=list)  # (id, escalated_on, responded_on, escalated_to_id)
    direction_actions: list = field(default_factory=list)  # (id, set_on, due_on, done_on, owner_id)

    def born_on_or_before(self, day: date) -> bool:
        return self.date_of_birth is not None and self.date_of_birth <= day

    def age_on(self, day: date) -> int | None:
        dob = self.date_of_birth
        if dob is None or day < dob:
            return None
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


_STATUTORY_VISIT_KINDS = (jm.Visit.Kind.CP, jm.Visit.Kind.CLA, jm.Visit.Kind.CIN, jm.Visit.Kind.ASSESSMENT)

# (model, fields, history attribute, order); each query is filtered by child. A field ending "@date"
# is read as its local date.
_QUERIES = (
    (jm.Contact, ("child_id", "id", "received_at@date", "decided_at@date"), "contacts", "received_at"),
    (
        jm.Referral,
        ("child_id", "id", "referral_date", "decided_at@date", "nfa", "closure_date"),
        "referrals",
        "referral_date",
    ),
    (
        jm.Assessment,
        (
            "child_id",
            "id",
            "referral_id",
            "start_date",
            "authorised_on",
            "completed_on",
            "outcome",
            "late_reason",
        ),
        "assessments",
        "start_date",
    ),
    (
        jm.StrategyDiscussion,
        ("child_id", "id", "referral_id", "held_at@date", "section_47_initiated"),
        "strategy_discussions",
        "held_at",
    ),
    (
        jm.Section47Enquiry,
        (
            "child_id",
            "id",
            "referral_id",
            "strategy_discussion_id",
            "start_date",
            "end_date",
            "outcome",
            "icpc_not_required",
        ),
        "enquiries",
        "start_date",
    ),
    (
        jm.ChildProtectionConference,
        ("child_id", "id", "referral_id", "kind", "held_on", "section_47_id"),
        "conferences",
        "held_on",
    ),
    (
        jm.ChildProtectionPlan,
        ("child_id", "id", "referral_id", "start_date", "end_date", "visit_frequency_working_days"),
        "cp_plans",
        "start_date",
    ),
    (jm.CoreGroupMeeting, ("child_id", "plan_id", "held_on"), "core_groups", "held_on"),
    (
        jm.ChildInNeedPlan,
        ("child_id", "id", "referral_id", "start_date", "end_date"),
        "cin_plans",
        "start_date",
    ),
    (jm.Visit, ("child_id", "visited_at@date", "kind", "child_seen"), "visits", "visited_at"),
    (
        jm.LookedAfterEpisode,
        (
            "child_id",
            "id",
            "start_date",
            "end_date",
            "legal_status",
            "placement_type",
            "reason_new_episode",
            "police_protection_started_at",
        ),
        "episodes",
        "start_date",
    ),
)


def _converter(field):
    """SQLite hands back dates and times as text; Django's per-value converters cost more than
    the engine itself on a full recompute, so the few types we read are parsed here."""
    if isinstance(field, models.DateTimeField):

        def when(value):
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
            # SQLite keeps UTC without a zone; PostgreSQL hands back an aware datetime.
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value

        return when
    if isinstance(field, models.DateField):
        return lambda value: date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else bool(value)
    return None


class LocalDate(Func):
    """The London calendar date of a stored moment. PostgreSQL converts exactly; elsewhere the UTC
    text comes back and `_local_date` corrects the one hour a day that belongs to tomorrow."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS TEXT)", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE %s, 'YYYY-MM-DD')", [*params, settings.TIME_ZONE]


def _local_date(value: str) -> date:
    # London is UTC or UTC+1, so only a UTC time in the 23rd hour can fall on the next local day.
    if len(value) > 10 and value[11:13] == "23":
        return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC).astimezone(_LOCAL).date()
    return date.fromisoformat(value[:10])


# Placeholders for the child id (or id range) in queries compiled once and reused.
_ONE, _FROM, _TO = -7_000_000_001, -7_000_000_002, -7_000_000_003


@dataclass
class _Compiled:
    sql: str
    params: list
    converters: list


_compiled: dict[tuple, _Compiled] = {}


def _field_at(model, path: str):
    """The model field a values() path ends on, following relations ("proceedings__issued_on")."""
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(last.removesuffix("_id") if last.endswith("_id") and last != "id" else last)


def _compile(queryset) -> _Compiled:
    model = queryset.model
    names = queryset._fields
    converters = [
        (lambda v: _local_date(v) if isinstance(v, str) else v)
        if name.endswith("__local")
        else _converter(_field_at(model, name))
        for name in names
    ]
    sql, params = queryset.query.sql_with_params()
    return _Compiled(sql, list(params), converters)


def _fetch(compiled: _Compiled, alias: str, values: dict) -> list[tuple]:
    """Run a compiled query with the placeholders replaced, converting by column."""
    params = [values.get(p, p) if isinstance(p, int) else p for p in compiled.params]
    with connections[alias].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        fetched = cursor.fetchall()
    active = [(i, c) for i, c in enumerate(compiled.converters) if c is not None]
    if not active:
        return fetched
    out = []
    for row in fetched:
        row = list(row)
        for i, convert in active:
            if row[i] is not None:
                row[i] = convert(row[i])
        out.append(tuple(row))
    return out


def _readers() -> list[tuple[str, Callable[[Q], object]]]:
    """Each part of the history as (attribute, queryset for a filter on child_id)."""

    def rows(model, names, order, child="child_id", **filters):
        """`child` is the path from the model to the child's id: "child_id" for a child's own
        records, a longer path for a family's (a legal case's members)."""

        def build(child_filter: Callable[[str], Q]):
            queryset = model.objects.filter(child_filter(child), **filters).order_by(child, order, "pk")
            # Moments the engine only needs as local dates are converted by the database.
            local = {
                n.removesuffix("@date"): LocalDate(n.removesuffix("@date"))
                for n in names
                if n.endswith("@date")
            }
            columns = [f"{n.removesuffix('@date')}__local" if n.endswith("@date") else n for n in names]
            columns[0] = child
            if local:
                queryset = queryset.annotate(**{f"{k}__local": v for k, v in local.items()})
            return queryset.values_list(*columns)

        return build

    readers = []
    for model, names, attr, order in _QUERIES:
        # Early help visits are neither statutory visits nor progress on a social care case.
        filters = {"kind__in": list(_STATUTORY_VISIT_KINDS)} if model is jm.Visit else {}
        readers.append((attr, rows(model, names, order, **filters)))
    readers.append(("reviews", rows(jm.LookedAfterReview, ("child_id", "held_on"), "held_on")))
    readers.append(
        (
            "allocations",
            rows(
                pm.Allocation,
                ("child_id", "worker_id", "started_on", "ended_on"),
                "started_on",
                kind=pm.Allocation.Kind.SOCIAL_WORKER,
            ),
        )
    )
    readers.append(
        (
            "oversight",
            rows(
                jm.CaseNote,
                ("child_id", "happened_at@date"),
                "happened_at",
                kind=jm.CaseNote.Kind.MANAGEMENT_OVERSIGHT,
            ),
        )
    )
    readers += _legal_readers(rows)
    readers += _assurance_readers(rows)
    return readers


def _assurance_readers(rows) -> list:
    return [
        ("directions", rows(am.CaseDirection, ("child_id", "directed_on"), "directed_on")),
        (
            "case_audits",
            rows(
                am.CaseAudit,
                ("child_id", "id", "assigned_on", "due_on", "completed_on", "withdrawn_on", "auditor_id"),
                "assigned_on",
            ),
        ),
        (
            "audit_actions",
            rows(am.AuditAction, ("child_id", "id", "set_on", "due_on", "done_on", "owner_id"), "set_on"),
        ),
        (
            "audit_escalations",
            rows(
                am.AuditEscalation,
                ("child_id", "id", "escalated_on", "responded_on", "escalated_to_id"),
                "escalated_on",
            ),
        ),
        (
            "direction_actions",
            rows(am.DirectionAction, ("child_id", "id", "set_on", "due_on", "done_on", "owner_id"), "set_on"),
        ),
    ]


_CASE_CHILD = "legal_case__members__child_id"
# The consent fields the engine needs to say whether the evidence is complete (rules.md 4.3).
CONSENT_FIELDS = (
    "episode_id",
    "person_id",
    "given_at",
    "child_named",
    "voluntary_explained",
    "right_to_object_explained",
    "right_to_remove_explained",
    "told_orally",
    "told_in_writing",
    "told_before_accommodation",
    "capacity",
    "capacity_assessed_by",
    "legal_advice_offered",
    "needs_translation",
    "translated_version_signed",
    "alternatives_considered",
    "signed_by_person",
    "signed_by_social_worker",
    "authorised_by_id",
    "withdrawn_at",
)


def _legal_readers(rows) -> list:
    return [
        (
            "pr_holders",
            rows(pm.Relationship, ("child_id", "person_id"), "person_id", has_parental_responsibility=True),
        ),
        (
            "gateway_requests",
            rows(
                lm.GatewayRequest,
                ("child_id", "id", "requested_on", "withdrawn_on"),
                "requested_on",
                child=_CASE_CHILD,
            ),
        ),
        (
            "panel_decisions",
            rows(lm.PanelDecision, ("child_id", "request_id", "decided_on", "outcome"), "decided_on"),
        ),
        (
            "panel_actions",
            rows(lm.PanelAction, ("child_id", "id", "set_on", "due_on", "done_on", "owner_id"), "set_on"),
        ),
        (
            "pre_proceedings",
            rows(
                lm.PreProceedings,
                (
                    "child_id",
                    "id",
                    "started_on",
                    "step_decision_on",
                    "fgdm_offered_on",
                    "fgdm_accepted",
                    "fgdm_held_on",
                    "fgdm_not_offered_reason",
                ),
                "started_on",
                child=_CASE_CHILD,
            ),
        ),
        (
            "pp_meetings",
            rows(
                lm.PreProceedingsMeeting,
                ("child_id", "pre_proceedings_id", "held_on", "effective"),
                "held_on",
                child="pre_proceedings__" + _CASE_CHILD,
            ),
        ),
        (
            "letters",
            rows(
                lm.LetterBeforeProceedings,
                ("child_id", "pre_proceedings_id", "recipient_id", "sent_on"),
                "sent_on",
                child="pre_proceedings__" + _CASE_CHILD,
                sent_on__isnull=False,
            ),
        ),
        (
            "proceedings",
            rows(
                lm.ProceedingsChild,
                (
                    "child_id",
                    "proceedings_id",
                    "proceedings__issued_on",
                    "final_order_on",
                    "proceedings__concluded_on",
                    "proceedings__pre_proceedings_id",
                ),
                "proceedings_id",
            ),
        ),
        (
            "hearings",
            rows(
                lm.Hearing,
                ("child_id", "proceedings_id", "kind", "held_on", "effective"),
                "held_on",
                child="proceedings__children__child_id",
            ),
        ),
        (
            "extensions",
            rows(
                lm.Extension,
                ("child_id", "proceedings_id", "weeks"),
                "granted_on",
                child="proceedings__children__child_id",
            ),
        ),
        ("s20_consents", rows(lm.Section20Consent, ("child_id", *CONSENT_FIELDS), "given_at")),
        (
            "police_protections",
            rows(lm.PoliceProtection, ("child_id", "id", "taken_at", "ended_at"), "taken_at"),
        ),
        (
            "pp_reviews",
            rows(
                lm.PoliceProtectionReview,
                ("child_id", "police_protection_id", "completed_on"),
                "opened_on",
                child="police_protection__child_id",
            ),
        ),
        (
            "permanence",
            rows(
                lm.PermanenceRecord,
                (
                    "child_id",
                    "id",
                    "plan_recorded_on",
                    "parallel_plan",
                    "early_permanence_considered_on",
                    "should_be_placed_for_adoption_on",
                    "placement_order_on",
                    "matched_on",
                    "placed_for_adoption_on",
                    "adoption_order_on",
                    "decision_reversed_on",
                ),
                "id",
            ),
        ),
        (
            "care_plans",
            rows(lm.AuthorisedPlan, ("child_id", "authorised_on"), "authorised_on", kind="care_plan"),
        ),
    ]


_SINGLE = {"reviews", "oversight", "pr_holders", "care_plans", "directions"}  # lists of one value per row


def load_histories(
    *, child_id: int | None = None, id_from: int | None = None, id_to: int | None = None
) -> dict[int, ChildHistory]:
    """Histories keyed by child id: one child's, or those with ids in [id_from, id_to).

    The queries are compiled once per process and shape (one child, or a range) and then run with
    the ids filled in: building Django queries cost more than running them when one child is read
    after every save."""
    alias = pm.Child.objects.db
    if child_id is not None:
        shape, values = "one", {_ONE: child_id}

        def child_filter(path: str) -> Q:
            return Q(**{path: _ONE})

        child_q = Q(id=_ONE)
    else:
        shape = ("from" if id_from is not None else "") + ("to" if id_to is not None else "")
        values = {_FROM: id_from, _TO: id_to}

        def child_filter(path: str) -> Q:
            q = Q()
            if id_from is not None:
                q &= Q(**{f"{path}__gte": _FROM})
            if id_to is not None:
                q &= Q(**{f"{path}__lt": _TO})
            return q

        child_q = Q()
        if id_from is not None:
            child_q &= Q(id__gte=_FROM)
        if id_to is not None:
            child_q &= Q(id__lt=_TO)
    key = (alias, connections[alias].vendor, shape)
    parts = _compiled.get(key)
    if parts is None:
        children = pm.Child.objects.filter(child_q).values_list(
            "id", "date_of_birth", "expected_date_of_birth"
        )
        parts = _compiled[key] = [("children", _compile(children))] + [
            (attr, _compile(build(child_filter))) for attr, build in _readers()
        ]
    histories: dict[int, ChildHistory] = {}
    for attr, compiled in parts:
        rows = _fetch(compiled, alias, values)
        if attr == "children":
            for child, dob, edd in rows:
                histories[child] = ChildHistory(child, dob, edd)
            continue
        grouped = defaultdict(list)
        single = attr in _SINGLE
        for row in rows:
            grouped[row[0]].append(row[1] if single else row[1:])
        for child, items in grouped.items():
            if child in histories:
                setattr(histories[child], attr, items)
    return histories


def load_history(child_id: int) -> ChildHistory | None:
    return load_histories(child_id=child_id).get(child_id)


_LOCAL = ZoneInfo(settings.TIME_ZONE)


def as_date(value: date | datetime) -> date:
    """The local (London) date of an activity: a visit at 00:30 BST happened on the local day."""
    if isinstance(value, datetime):
        return value.astimezone(_LOCAL).date() if value.tzinfo else value.date()
    return value
