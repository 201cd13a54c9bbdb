"""Roles, the functions they grant, and the scopes that grant records.

Deny by default: a role has only the functions listed for it, and a user sees only the children
their scope covers (see people.selectors.child_access_decision). The tables are data so that an
authority's information-governance lead can read them, and so that the access matrix test can
iterate over every role and scope.
"""

from django.db import models


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    HEAD_OF_SERVICE = "head_of_service", "Service manager or head of service"
    DIRECTOR = "director", "Director of children's services"
    LEGAL_PANEL_MEMBER = "legal_panel_member", "Legal gateway panel member"
    SOLICITOR = "solicitor", "Local authority solicitor"
    QA_AUDITOR = "qa_auditor", "Quality assurance auditor"
    QA_LEAD = "qa_lead", "Quality assurance lead or principal social worker"
    IRO = "iro", "Independent reviewing officer or CP chair"
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"
    PARTNER_REFERRER = "partner_referrer", "Partner-agency referrer"
    INSPECTOR = "inspector", "Inspector (read-only)"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"


class Scope(models.TextChoices):
    """Which children's records a user's role functions apply to."""

    NONE = "none", "No children's records"
    ALLOCATED = "allocated", "Children allocated to them"
    AUDIT_SAMPLE = "audit_sample", "Children in the audits and moderations assigned to them"
    TEAM = "team", "Children of their team"
    SERVICE = "service", "Children of their service"
    AUTHORITY = "authority", "Every child in the authority"


class Function(models.TextChoices):
    VIEW_CHILD_RECORD = "view_child_record", "See children's records"
    RECORD_CASEWORK = "record_casework", "Record casework (visits, case notes)"
    EDIT_CHILD_DETAILS = "edit_child_details", "Change a child's details"
    VIEW_RECORD_ACCESS = "view_record_access", "See who has seen or changed a child's record"
    VIEW_TEAM = "view_team", "See a team's children and caseloads"
    VIEW_SERVICE = "view_service", "See a service's teams and children"
    BREAK_GLASS = "break_glass", "Open a record outside their scope, with a reason"
    SUBMIT_CONTACT = "submit_contact", "Submit a contact about a child to the front door"
    VIEW_ACCESS_REPORTS = "view_access_reports", "See break-glass and access reports"
    MANAGE_USERS = "manage_users", "Manage user accounts"
    SEE_OWN_WORK = "see_own_work", "See their own work queue"
    MANAGE_WORK = "manage_work", "Reassign and acknowledge their team's overdue work"
    MANAGE_TIMESCALES = "manage_timescales", "Change configurable timescale rules and closure days"
    # The legal pathway (issue 4).
    VIEW_LEGAL = (
        "view_legal",
        "See the legal gateway, PLO, proceedings, section 20 and police protection lists",
    )
    REQUEST_LEGAL_GATEWAY = "request_legal_gateway", "Put a child to the legal gateway panel"
    RECORD_PANEL = "record_panel", "Record legal gateway panel meetings, decisions and actions"
    RECORD_LEGAL = "record_legal", "Record pre-proceedings, letters, proceedings and consent"
    SEND_LETTER = "send_letter", "Approve and send a letter before proceedings"
    AUTHORISE_PLAN = "authorise_plan", "Authorise a new version of a child's plan"
    REVIEW_LEGAL_CASES = "review_legal_cases", "Run section 20 and police protection reviews"
    MANAGE_LETTER_TEMPLATES = (
        "manage_letter_templates",
        "Change the authority's letter templates and solicitor list",
    )
    # Practice assurance (issue 5).
    VIEW_ASSURANCE = (
        "view_assurance",
        "See audit, moderation, calibration and supervision reports",
    )
    CONDUCT_AUDITS = "conduct_audits", "Complete the case audits and moderations assigned to them"
    MANAGE_AUDITS = (
        "manage_audits",
        "Define audit tools, draw audit samples, assign auditors and moderators, review calibration flags",
    )
    RESPOND_TO_AUDITS = "respond_to_audits", "Respond to an inadequate audit escalated to them"
    RECORD_SUPERVISION = (
        "record_supervision",
        "Record supervision sessions, case directions and management oversight",
    )


F = Function
_READ = {F.VIEW_CHILD_RECORD}
# Managers direct cases to the panel, send letters, authorise plans and review s20 and police
# protection; social workers prepare the work; the panel decides; solicitors run the court work.
_CASEWORK_LEGAL = {F.VIEW_LEGAL, F.REQUEST_LEGAL_GATEWAY, F.RECORD_LEGAL}
_MANAGER_LEGAL = _CASEWORK_LEGAL | {F.SEND_LETTER, F.AUTHORISE_PLAN, F.REVIEW_LEGAL_CASES}
# Managers supervise and audit; heads of service answer inadequate audits; the QA lead runs the
# programme. Everyone sees their own supervision and the actions they own without a function.
_MANAGER_ASSURANCE = {F.VIEW_ASSURANCE, F.RECORD_SUPERVISION, F.CONDUCT_AUDITS}

ROLE_FUNCTIONS: dict[str, frozenset[str]] = {
    Role.SOCIAL_WORKER: frozenset(
        _READ | _CASEWORK_LEGAL | {F.RECORD_CASEWORK, F.EDIT_CHILD_DETAILS, F.BREAK_GLASS, F.SEE_OWN_WORK}
    ),
    Role.TEAM_MANAGER: frozenset(
        _READ
        | _MANAGER_LEGAL
        | _MANAGER_ASSURANCE
        | {
            F.RECORD_CASEWORK,
            F.EDIT_CHILD_DETAILS,
            F.VIEW_RECORD_ACCESS,
            F.VIEW_TEAM,
            F.BREAK_GLASS,
            F.SEE_OWN_WORK,
            F.MANAGE_WORK,
        }
    ),
    Role.HEAD_OF_SERVICE: frozenset(
        _READ
        | _MANAGER_LEGAL
        | _MANAGER_ASSURANCE
        | {F.RECORD_PANEL, F.RESPOND_TO_AUDITS}
        | {
            F.RECORD_CASEWORK,
            F.VIEW_RECORD_ACCESS,
            F.VIEW_TEAM,
            F.VIEW_SERVICE,
            F.BREAK_GLASS,
            F.SEE_OWN_WORK,
            F.MANAGE_WORK,
        }
    ),
    Role.DIRECTOR: frozenset(
        _READ
        | {F.VIEW_LEGAL, F.RECORD_PANEL, F.AUTHORISE_PLAN, F.REVIEW_LEGAL_CASES, F.MANAGE_LETTER_TEMPLATES}
        | {F.VIEW_ASSURANCE, F.RECORD_SUPERVISION, F.RESPOND_TO_AUDITS}
        | {
            F.VIEW_RECORD_ACCESS,
            F.VIEW_TEAM,
            F.VIEW_SERVICE,
            F.VIEW_ACCESS_REPORTS,
            F.MANAGE_TIMESCALES,
            F.MANAGE_WORK,
        }
    ),
    Role.LEGAL_PANEL_MEMBER: frozenset(_READ | {F.VIEW_LEGAL, F.RECORD_PANEL, F.SEE_OWN_WORK}),
    Role.SOLICITOR: frozenset(_READ | {F.VIEW_LEGAL, F.RECORD_LEGAL, F.SEND_LETTER, F.SEE_OWN_WORK}),
    # An auditor reads the children in their sample (Scope.AUDIT_SAMPLE), not everyone.
    Role.QA_AUDITOR: frozenset(_READ | {F.VIEW_LEGAL, F.CONDUCT_AUDITS}),
    Role.QA_LEAD: frozenset(
        _READ
        | {F.VIEW_LEGAL, F.VIEW_TEAM, F.VIEW_SERVICE, F.VIEW_ASSURANCE, F.CONDUCT_AUDITS, F.MANAGE_AUDITS}
    ),
    # IROs and CP chairs authorise plans at the reviews and conferences they chair.
    Role.IRO: frozenset(_READ | {F.RECORD_CASEWORK, F.VIEW_LEGAL, F.AUTHORISE_PLAN}),
    Role.PERFORMANCE_ANALYST: frozenset(
        _READ | {F.VIEW_TEAM, F.VIEW_SERVICE, F.VIEW_LEGAL, F.VIEW_ASSURANCE}
    ),
    Role.PARTNER_REFERRER: frozenset({F.SUBMIT_CONTACT}),
    Role.INSPECTOR: frozenset(_READ | {F.VIEW_TEAM, F.VIEW_SERVICE, F.VIEW_LEGAL, F.VIEW_ASSURANCE}),
    Role.SYSTEM_ADMINISTRATOR: frozenset(
        {F.MANAGE_USERS, F.VIEW_ACCESS_REPORTS, F.MANAGE_TIMESCALES, F.MANAGE_LETTER_TEMPLATES}
    ),
}

# The scope a new account of each role gets unless an administrator chooses another.
DEFAULT_SCOPE: dict[str, str] = {
    Role.SOCIAL_WORKER: Scope.ALLOCATED,
    Role.TEAM_MANAGER: Scope.TEAM,
    Role.HEAD_OF_SERVICE: Scope.SERVICE,
    Role.DIRECTOR: Scope.AUTHORITY,
    Role.LEGAL_PANEL_MEMBER: Scope.AUTHORITY,
    Role.SOLICITOR: Scope.ALLOCATED,
    Role.QA_AUDITOR: Scope.AUDIT_SAMPLE,
    Role.QA_LEAD: Scope.AUTHORITY,
    Role.IRO: Scope.ALLOCATED,
    Role.PERFORMANCE_ANALYST: Scope.AUTHORITY,
    Role.PARTNER_REFERRER: Scope.NONE,
    Role.INSPECTOR: Scope.AUTHORITY,
    Role.SYSTEM_ADMINISTRATOR: Scope.NONE,
}


def role_has_function(role: str, function: str) -> bool:
    return function in ROLE_FUNCTIONS.get(role, frozenset())
