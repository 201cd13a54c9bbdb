"""The access policy, stated again here independently of people.selectors, so that the matrix tests
the code against the policy rather than against itself.

Deny by default: a role's functions come from core.permissions (that table is the policy's data);
which children a scope reaches, and what each page needs beyond reading, is written out below.
"""

from dataclasses import dataclass

from carepath.core.models import AccessBasis
from carepath.core.permissions import ROLE_FUNCTIONS, Function, Scope
from carepath.people.selectors import AUDIT_SAMPLE_FUNCTIONS

# How a child stands to the user under test (every user is in team A1 of service A).
OWN = "allocated to them"
TEAM = "in their team"
SERVICE = "in their service, another team"
OTHER_SERVICE = "in another service"
RESTRICTED_OWN = "restricted, allocated to them"
RESTRICTED_GRANTED = "restricted, with a grant to them"
BROKEN_GLASS = "in another service, glass broken"
# An open audit or moderation assigned to the user grants the child's record as an allocation does
# (people.selectors._audit_sample): this is all a QA auditor (scope "audit sample") can read.
AUDITING = "in another service, in an audit assigned to them"
MODERATING = "in another service, in a moderation assigned to them"

RELATIONS = [
    OWN,
    TEAM,
    SERVICE,
    OTHER_SERVICE,
    RESTRICTED_OWN,
    RESTRICTED_GRANTED,
    BROKEN_GLASS,
    AUDITING,
    MODERATING,
]
AUDIT_SAMPLE = {AUDITING: AccessBasis.AUDIT_SAMPLE, MODERATING: AccessBasis.AUDIT_SAMPLE}

# Which unrestricted children each scope reaches, and the basis logged. An allocation is the
# most specific reason, so it is the one recorded even for wider scopes, and an audit or moderation
# assigned to the user the next most; a scope of "none" reaches nobody, allocated or not.
SCOPE_REACH: dict[str, dict[str, str]] = {
    Scope.NONE: {},
    Scope.ALLOCATED: {OWN: AccessBasis.ALLOCATED, **AUDIT_SAMPLE},
    Scope.AUDIT_SAMPLE: {OWN: AccessBasis.ALLOCATED, **AUDIT_SAMPLE},
    Scope.TEAM: {OWN: AccessBasis.ALLOCATED, TEAM: AccessBasis.TEAM, **AUDIT_SAMPLE},
    Scope.SERVICE: {
        OWN: AccessBasis.ALLOCATED,
        TEAM: AccessBasis.SERVICE,
        SERVICE: AccessBasis.SERVICE,
        **AUDIT_SAMPLE,
    },
    Scope.AUTHORITY: {
        OWN: AccessBasis.ALLOCATED,
        TEAM: AccessBasis.AUTHORITY,
        SERVICE: AccessBasis.AUTHORITY,
        OTHER_SERVICE: AccessBasis.AUTHORITY,
        BROKEN_GLASS: AccessBasis.AUTHORITY,
        **AUDIT_SAMPLE,
    },
}


def functions_of(role: str) -> frozenset[str]:
    return ROLE_FUNCTIONS[role]


def read_basis(role: str, scope: str, relation: str) -> str | None:
    """The basis on which this user may read this child's record, or None if they may not.
    In the test world the glass has been broken by every user whose role allows it."""
    functions = functions_of(role)
    if Function.VIEW_CHILD_RECORD not in functions:
        return None
    if relation == RESTRICTED_GRANTED:
        return AccessBasis.RESTRICTED_GRANT
    if relation == RESTRICTED_OWN:
        # A restricted record needs an explicit grant; an allocation is not enough.
        return None
    basis = SCOPE_REACH[scope].get(relation)
    if basis is None and relation == BROKEN_GLASS and Function.BREAK_GLASS in functions:
        return AccessBasis.BREAK_GLASS
    return basis


# ---------------------------------------------------------------------------------------------
# What each child-record endpoint needs. Every URL pattern with a child's UUID in it must be listed
# here: the matrix fails for one that is not, so a new endpoint cannot ship without a decision.
# ---------------------------------------------------------------------------------------------

READ = "read"  # may read the record
READ_AND_ROLE = "read, and the role has the function"  # e.g. who has seen this record
READ_AND_RECORD_RIGHT = "the function on this record, not by break-glass"  # changing the record
BREAK_GLASS_FORM = "the break-glass form"


@dataclass(frozen=True)
class Rule:
    kind: str
    function: str | None = None
    channel: str = "web"
    # Further URL arguments beside the child's UUID, as (name, value) pairs.
    kwargs: tuple = ()


WEB_READ = Rule(READ)
API_READ = Rule(READ, channel="api")

ENDPOINTS: dict[str, Rule] = {
    "journey:child": WEB_READ,
    "journey:child-timeline": WEB_READ,
    "journey:child-people": WEB_READ,
    "journey:child-allocations": WEB_READ,
    "journey:child-record-access": Rule(READ_AND_ROLE, Function.VIEW_RECORD_ACCESS),
    "journey:child-details-edit": Rule(READ_AND_RECORD_RIGHT, Function.EDIT_CHILD_DETAILS),
    "journey:case-note-new": Rule(READ_AND_RECORD_RIGHT, Function.RECORD_CASEWORK),
    "journey:visit-new": Rule(READ_AND_RECORD_RIGHT, Function.RECORD_CASEWORK),
    "journey:contact-decision": Rule(READ_AND_RECORD_RIGHT, Function.RECORD_CASEWORK),
    "timescales:child": WEB_READ,
    # The legal pathway (issue 4).
    "legal:child-legal": WEB_READ,
    "legal:gateway-request-new": Rule(READ_AND_RECORD_RIGHT, Function.REQUEST_LEGAL_GATEWAY),
    "legal:child-plans": WEB_READ,
    "legal:plan-authorise": Rule(
        READ_AND_RECORD_RIGHT, Function.AUTHORISE_PLAN, kwargs=(("kind", "care_plan"),)
    ),
    "legal:child-section-20": WEB_READ,
    "legal:s20-consent-new": Rule(READ_AND_RECORD_RIGHT, Function.RECORD_LEGAL),
    "legal:child-police-protection": WEB_READ,
    "legal:child-permanence": WEB_READ,
    # Practice assurance (issue 5).
    "assurance:child": WEB_READ,
    "assurance:oversight-record": Rule(READ_AND_RECORD_RIGHT, Function.RECORD_SUPERVISION),
    "people:break-glass": Rule(BREAK_GLASS_FORM, Function.BREAK_GLASS),
    "api:child-detail": API_READ,
    "api:child-timescales": API_READ,
    "api:child-contacts": API_READ,
    "api:child-referrals": API_READ,
    "api:child-assessments": API_READ,
    "api:child-strategy-discussions": API_READ,
    "api:child-section-47-enquiries": API_READ,
    "api:child-conferences": API_READ,
    "api:child-cp-plans": API_READ,
    "api:child-cin-plans": API_READ,
    "api:child-core-groups": API_READ,
    "api:child-written-agreements": API_READ,
    "api:child-visits": API_READ,
    "api:child-case-notes": API_READ,
    "api:child-early-help": API_READ,
    "api:child-looked-after-episodes": API_READ,
    "api:child-looked-after-reviews": API_READ,
    "api:child-missing-episodes": API_READ,
    "api:child-allocations": API_READ,
    "api:child-relationships": API_READ,
    "api:child-professionals": API_READ,
    "api:child-timeline": API_READ,
    "api:child-audits": API_READ,
    "api:child-case-directions": API_READ,
}


@dataclass(frozen=True)
class Expected:
    status: int
    # The basis the access event must carry; None means no access event may be written.
    logged_basis: str | None


def expected(rule: Rule, role: str, scope: str, relation: str) -> Expected:
    basis = read_basis(role, scope, relation)
    functions = functions_of(role)
    if rule.kind == BREAK_GLASS_FORM:
        # Shows the form (never the record) to someone who could break the glass; sends someone
        # who can already read the record straight to it. Never a read, so never logged.
        if rule.function not in functions:
            return Expected(403, None)
        return Expected(302 if basis else 200, None)
    if rule.kind == READ:
        allowed = basis is not None
    elif rule.kind == READ_AND_ROLE:
        allowed = basis is not None and rule.function in functions
    elif rule.kind == READ_AND_RECORD_RIGHT:
        # Break-glass opens a record to read it in an emergency, not to change it. An audit or
        # moderation lets its auditor read and audit the record, not change it
        # (people.selectors.AUDIT_SAMPLE_FUNCTIONS): only a wider scope still reaches the child.
        # The read is logged on the basis it was read on.
        right = basis
        if basis == AccessBasis.AUDIT_SAMPLE and rule.function not in AUDIT_SAMPLE_FUNCTIONS:
            right = AccessBasis.AUTHORITY if scope == Scope.AUTHORITY else None
        allowed = right not in (None, AccessBasis.BREAK_GLASS) and rule.function in functions
    else:
        raise AssertionError(f"Unknown rule kind {rule.kind!r}")
    return Expected(200, basis) if allowed else Expected(403, None)
