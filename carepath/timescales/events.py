"""The events a timescale rule can start or end on, and the spans ("contexts") they belong to.

Rules are data (data/rules.toml); this vocabulary is the code that says how each event is read
from the child's record. A context is the span in which a rule applies: a clock in a child
protection plan stops when the plan ends, a looked-after review clock when the period of care
ends. An event whose records carepath does not hold yet is listed with the issue that brings
them, so the rules that need it are in the table, shown, and evaluated as soon as it lands.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    name: str
    label: str
    recorded: bool = True
    # Attributes a rule's `applies_to` may test, as name -> kind ("codes", "bool", "number").
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Event:
    name: str
    context: str
    label: str
    # Where carepath holds some of a context's events and not others (care planning), each event
    # says so; otherwise it follows its context.
    recorded: bool | None = None


_CHILD = (("age_years", "number"), ("unborn", "bool"))
# Early permanence (rules.md 6.4): under two or unborn, and whether a parallel plan or Fostering for
# Adoption / concurrent planning has been considered (recorded on the permanence record).
_PERMANENCE = (("under_two", "bool"), ("early_permanence_considered", "bool"))
_CLA = (
    _CHILD
    + _PERMANENCE
    + (
        ("legal_status", "codes"),
        ("placement_type", "codes"),
        ("placement_held_days", "number"),
        ("first_review_held", "bool"),
    )
)

CONTEXTS: dict[str, Context] = {
    c.name: c
    for c in (
        Context("contact", "Contact", attributes=_CHILD),
        Context(
            "referral", "Children in need episode (referral)", attributes=_CHILD + (("referral_nfa", "bool"),)
        ),
        Context("section_47", "Section 47 enquiry", attributes=_CHILD),
        Context(
            "cp_plan",
            "Child protection plan",
            attributes=_CHILD + (("previous_cp_plans", "number"), ("visit_frequency_working_days", "number")),
        ),
        Context("cin_plan", "Child in need plan", attributes=_CHILD),
        Context("period_of_care", "Period of care (looked after)", attributes=_CLA),
        Context("placement", "Placement", attributes=_CLA),
        Context("police_protection", "Police protection", attributes=_CHILD),
        Context("epo", "Emergency protection order", attributes=_CHILD),
        Context("section_20", "Section 20 accommodation", attributes=_CHILD + (("legal_planning", "bool"),)),
        Context("child", "The child's whole record", attributes=_CHILD),
        Context("legal_gateway", "Legal gateway request", attributes=_CHILD),
        Context("panel_action", "Legal gateway panel action", attributes=(("days_allowed", "number"),)),
        Context(
            "pre_proceedings",
            "PLO pre-proceedings",
            attributes=_CHILD
            + _PERMANENCE
            + (("weeks_before_birth", "number"), ("fgdm_not_required", "bool")),
        ),
        Context(
            "proceedings",
            "Care proceedings",
            attributes=_CHILD
            + _PERMANENCE
            + (("weeks_allowed", "number"), ("fcmh_listed", "bool"), ("fgdm_unmet", "bool")),
        ),
        Context("adoption", "Adoption milestones", attributes=_CHILD),
        # Brought by later issues; rules on them are listed as waiting for those records.
        Context(
            "care_planning",
            "Care and placement plans, health and education (partly recorded)",
            recorded=False,
            attributes=_CHILD,
        ),
        Context("connected_person", "Connected person approval (not yet recorded)", recorded=False),
        # Practice assurance (assurance app): audits, their actions and escalations, and the
        # actions from case directions, each a span on the child's record.
        Context("case_audit", "Case audit", attributes=(("days_allowed", "number"),)),
        Context("audit_action", "Action from a case audit", attributes=(("days_allowed", "number"),)),
        Context("audit_escalation", "Inadequate audit escalated to the head of service"),
        Context("direction_action", "Action from a case direction", attributes=(("days_allowed", "number"),)),
        # Not a child's span: a worker's time in post. Its rules are applied by
        # assurance.selectors.supervision through Engine.clocks_in_spans.
        Context(
            "supervision",
            "A worker's supervision (not a child's record)",
            attributes=(("newly_qualified", "bool"), ("weeks_in_post", "number")),
        ),
    )
}

EVENTS: dict[str, Event] = {
    e.name: e
    for e in (
        Event("contact_received", "contact", "Contact received"),
        Event("contact_decided", "contact", "Contact decision recorded"),
        Event("referral_received", "referral", "Referral received"),
        Event("referral_decided", "referral", "Response to the referral decided"),
        Event("assessment_authorised", "referral", "Assessment authorised (or ended early)"),
        Event("progress", "referral", "Progress on the case: a visit, meeting, review or decision"),
        Event(
            "case_direction",
            "referral",
            "Case supervision or management oversight recorded on the child's record",
        ),
        Event(
            "strategy_discussion_s47", "section_47", "Strategy discussion that started the section 47 enquiry"
        ),
        Event("icpc_held", "section_47", "Initial child protection conference held"),
        Event("cp_plan_started", "cp_plan", "Child protection plan started"),
        Event("cp_plan_ended", "cp_plan", "Child protection plan ended"),
        Event("core_group", "cp_plan", "Core group meeting"),
        Event("review_conference", "cp_plan", "Review child protection conference"),
        Event("cp_visit", "cp_plan", "Child protection statutory visit (child seen)"),
        Event("cin_plan_started", "cin_plan", "Child in need plan started"),
        Event("cin_plan_ended", "cin_plan", "Child in need plan ended"),
        Event("cin_visit", "cin_plan", "Child in need visit (child seen)"),
        Event("became_looked_after", "period_of_care", "Started to be looked after"),
        Event("stopped_being_looked_after", "period_of_care", "Stopped being looked after"),
        Event("cla_review", "period_of_care", "Looked-after review"),
        Event("placement_started", "placement", "Placement started"),
        Event("placement_ended", "placement", "Placement ended"),
        Event("cla_visit", "placement", "Looked-after statutory visit (child seen)"),
        Event("police_protection_started", "police_protection", "Taken into police protection"),
        Event("police_protection_ended", "police_protection", "Police protection ended"),
        Event(
            "police_protection_reviewed", "police_protection", "Management review of the police protection"
        ),
        Event("epo_started", "epo", "Emergency protection order (from police protection if it followed)"),
        Event("epo_ended", "epo", "Emergency protection order ended"),
        Event("section_20_started", "section_20", "Accommodated under section 20"),
        Event("section_20_ended", "section_20", "Section 20 accommodation ended"),
        Event(
            "section_20_consent_evidenced",
            "section_20",
            "Consent evidence complete for everyone with parental responsibility",
        ),
        Event("section_20_legal_planning", "section_20", "Case put to the legal gateway panel"),
        Event("record_opened", "child", "The child's record"),
        Event("social_worker_changed", "child", "Change of social worker"),
        Event("legal_gateway_requested", "legal_gateway", "Case put to the legal gateway panel"),
        Event("legal_gateway_decided", "legal_gateway", "Legal gateway decision"),
        Event("panel_action_set", "panel_action", "Action set by the legal gateway panel"),
        Event("panel_action_done", "panel_action", "Panel action done"),
        Event("pre_proceedings_started", "pre_proceedings", "Decision to start pre-proceedings"),
        Event("letter_before_proceedings_sent", "pre_proceedings", "Letter before proceedings sent"),
        Event("pre_proceedings_meeting", "pre_proceedings", "Pre-proceedings meeting"),
        Event("step_decision", "pre_proceedings", "Step-up or step-down decision"),
        Event("fgdm_offered", "pre_proceedings", "Family group decision-making meeting offered"),
        Event("application_issued", "proceedings", "Care application issued"),
        Event("case_management_hearing", "proceedings", "Case management hearing"),
        Event("further_case_management_hearing", "proceedings", "Further case management hearing"),
        Event("final_order", "proceedings", "Final order"),
        Event(
            "first_placement_started", "care_planning", "First placement of the period of care", recorded=True
        ),
        Event("care_plan_completed", "care_planning", "Care plan authorised", recorded=True),
        Event("placement_plan_completed", "care_planning", "Placement plan"),
        Event("initial_health_assessment", "care_planning", "Initial health assessment"),
        Event("review_health_assessment", "care_planning", "Review health assessment"),
        Event("pep_initiated", "care_planning", "Personal education plan started"),
        Event("iro_allocated", "care_planning", "Independent reviewing officer named"),
        Event("permanence_plan_recorded", "care_planning", "Permanence plan recorded", recorded=True),
        Event("placement_order_made", "adoption", "Placement order made"),
        Event("matched_with_adopters", "adoption", "Matched with adopters"),
        Event("placed_for_adoption", "adoption", "Placed with adopters"),
        Event("looked_after_for_adoption", "adoption", "Started to be looked after (adoption plan)"),
        Event("temporary_approval_started", "connected_person", "Connected person temporarily approved"),
        Event("full_approval", "connected_person", "Connected person fully approved"),
        Event("started_in_post", "supervision", "Started in post"),
        Event("supervision_session", "supervision", "Supervision session"),
        Event("audit_assigned", "case_audit", "Case audit assigned"),
        Event("audit_completed", "case_audit", "Case audit completed"),
        Event("audit_action_set", "audit_action", "Action set by a case audit"),
        Event("audit_action_done", "audit_action", "Audit action done"),
        Event("audit_escalated", "audit_escalation", "Inadequate audit escalated to the head of service"),
        Event("audit_escalation_answered", "audit_escalation", "Head of service's response recorded"),
        Event("direction_action_set", "direction_action", "Action set in a case direction"),
        Event("direction_action_done", "direction_action", "Case direction action done"),
    )
}


def is_recorded(event_name: str) -> bool:
    event = EVENTS.get(event_name)
    if event is None:
        return False
    return event.recorded if event.recorded is not None else CONTEXTS[event.context].recorded
