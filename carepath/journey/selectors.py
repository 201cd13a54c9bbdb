"""Reads about a child's journey. Callers have already passed the access check
(people.selectors.child_for_reading), which logs the read."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from carepath.core import codes
from carepath.people.models import Child, ChildStatus

from . import models as m


def derive_status(child: Child, on: date | None = None) -> str:
    """The child's status from their open episodes on a date (F22), in order of precedence:
    looked after, child protection, child in need, early help, contact under consideration, closed."""
    on = on or timezone.localdate()

    def open_on(qs, start, end):
        return (
            qs.filter(**{f"{start}__lte": on}).filter(**{f"{end}__isnull": True}).exists()
            or qs.filter(**{f"{start}__lte": on, f"{end}__gt": on}).exists()
        )

    if open_on(m.LookedAfterEpisode.objects.filter(child=child), "start_date", "end_date"):
        return ChildStatus.LOOKED_AFTER
    if open_on(m.ChildProtectionPlan.objects.filter(child=child), "start_date", "end_date"):
        return ChildStatus.CHILD_PROTECTION
    if open_on(m.Referral.objects.filter(child=child, nfa=False), "referral_date", "closure_date"):
        return ChildStatus.CHILD_IN_NEED
    if open_on(m.EarlyHelpEpisode.objects.filter(child=child), "start_date", "end_date"):
        return ChildStatus.EARLY_HELP
    end_of_day = timezone.make_aware(datetime.combine(on, time.max))
    if m.Contact.objects.filter(child=child, decision="", received_at__lte=end_of_day).exists():
        return ChildStatus.CONTACT
    return ChildStatus.CLOSED


@dataclass
class TimelineEntry:
    when: date | datetime
    kind: str
    title: str
    detail: str = ""
    recorded_at: datetime | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.when, datetime):
            return self.when
        return timezone.make_aware(datetime.combine(self.when, time.min))

    @property
    def recording_lag_days(self) -> int | None:
        """Days between the activity and its recording (F21)."""
        if self.recorded_at is None:
            return None
        activity_day = self.when.date() if isinstance(self.when, datetime) else self.when
        return (timezone.localtime(self.recorded_at).date() - activity_day).days


def timeline_for(child: Child) -> list[TimelineEntry]:
    """The child's journey from first contact, newest first."""
    entries: list[TimelineEntry] = []
    add = entries.append
    for c in child.contacts.all():
        add(
            TimelineEntry(
                c.received_at,
                "Contact",
                f"Contact from {c.get_source_display()}",
                c.get_decision_display() or "Decision not yet made",
                c.recorded_at,
            )
        )
    for r in child.referrals.all():
        add(
            TimelineEntry(
                r.referral_date,
                "Referral",
                "Referral to children's social care",
                f"{r.get_primary_need_display()}" + (" – no further action" if r.nfa else ""),
                r.recorded_at,
            )
        )
        if r.closure_date:
            add(
                TimelineEntry(
                    r.closure_date, "Closure", "Case closed", r.get_closure_reason_display(), r.recorded_at
                )
            )
    for a in child.assessments.all():
        detail = "Authorised" if a.authorised_on else "In progress"
        if a.outcome:
            detail = a.get_outcome_display()
        add(
            TimelineEntry(
                a.start_date, "Assessment", "Child and family assessment started", detail, a.recorded_at
            )
        )
    for s in child.strategy_discussions.all():
        add(
            TimelineEntry(
                s.held_at,
                "Strategy discussion",
                "Strategy discussion",
                "Section 47 enquiry started" if s.section_47_initiated else "No section 47 enquiry",
                s.recorded_at,
            )
        )
    for e in child.section_47_enquiries.all():
        add(
            TimelineEntry(
                e.start_date,
                "Section 47",
                "Section 47 enquiry started",
                e.get_outcome_display(),
                e.recorded_at,
            )
        )
    for c in child.conferences.all():
        add(
            TimelineEntry(
                c.held_on,
                "Conference",
                c.get_kind_display(),
                "Child protection plan" if c.plan_required else "No plan",
                c.recorded_at,
            )
        )
    for p in child.cp_plans.all():
        add(
            TimelineEntry(
                p.start_date,
                "Child protection",
                "Child protection plan started",
                f"Category: {p.get_initial_category_display()}",
                p.recorded_at,
            )
        )
        if p.end_date:
            add(
                TimelineEntry(
                    p.end_date, "Child protection", "Child protection plan ended", "", p.recorded_at
                )
            )
    for p in child.cin_plans.all():
        add(TimelineEntry(p.start_date, "Child in need", "Child in need plan started", "", p.recorded_at))
        if p.end_date:
            add(TimelineEntry(p.end_date, "Child in need", "Child in need plan ended", "", p.recorded_at))
    for g in child.core_groups.all():
        add(TimelineEntry(g.held_on, "Core group", "Core group meeting", "", g.recorded_at))
    for w in child.written_agreements.select_related("agreed_with"):
        add(
            TimelineEntry(
                w.agreed_on,
                "Written agreement",
                f"Written agreement with {w.agreed_with}",
                f"Risk at the time: {w.get_risk_at_the_time_display()}",
                w.recorded_at,
            )
        )
    for v in child.visits.all():
        seen = (
            "Child seen alone" if v.child_seen_alone else ("Child seen" if v.child_seen else "Child not seen")
        )
        add(
            TimelineEntry(
                v.visited_at,
                "Visit",
                v.get_kind_display(),
                seen,
                v.recorded_at,
                [] if v.child_seen else ["not-seen"],
            )
        )
    for e in child.early_help_episodes.all():
        add(
            TimelineEntry(
                e.start_date,
                "Early help",
                f"Early help started with {e.organisation}",
                "Stepped down from social care" if e.stepped_down_from_id else "",
                e.recorded_at,
            )
        )
        if e.end_date:
            add(
                TimelineEntry(
                    e.end_date,
                    "Early help",
                    "Early help ended",
                    "Stepped up to social care" if e.stepped_up_to_id else e.end_reason,
                    e.recorded_at,
                )
            )
    for ep in child.looked_after_episodes.all():
        add(
            TimelineEntry(
                ep.start_date,
                "Looked after",
                ep.get_reason_new_episode_display(),
                f"{ep.get_legal_status_display()} ({ep.legal_status}); {ep.get_placement_type_display()}",
                ep.recorded_at,
            )
        )
        if ep.end_date and ep.reason_ceased != codes.ReasonEpisodeCeased.NEW_EPISODE:
            add(
                TimelineEntry(
                    ep.end_date,
                    "Looked after",
                    "Stopped being looked after",
                    ep.get_reason_ceased_display(),
                    ep.recorded_at,
                )
            )
    for r in child.looked_after_reviews.all():
        add(
            TimelineEntry(
                r.held_on, "Review", "Looked-after review", r.get_participation_display(), r.recorded_at
            )
        )
    for me in child.missing_episodes.all():
        add(TimelineEntry(me.started_on, "Missing", me.get_kind_display(), "", me.recorded_at))
    for n in child.case_notes.all():
        add(TimelineEntry(n.happened_at, n.get_kind_display(), n.subject, n.text[:300], n.recorded_at))
    for al in child.allocations.select_related("worker", "team"):
        add(
            TimelineEntry(
                al.started_on,
                "Allocation",
                f"{al.get_kind_display()}: {al.worker}",
                str(al.team),
                al.recorded_at,
            )
        )
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries


def open_episodes(child: Child) -> dict:
    """The records that make up the child's current status, for the summary panel."""
    return {
        "referral": child.referrals.filter(closure_date__isnull=True).first(),
        "cp_plan": child.cp_plans.filter(end_date__isnull=True).first(),
        "cin_plan": child.cin_plans.filter(end_date__isnull=True).first(),
        "looked_after": child.looked_after_episodes.filter(end_date__isnull=True).first(),
        "early_help": child.early_help_episodes.filter(end_date__isnull=True).first(),
        "last_visit": child.visits.first(),
    }
