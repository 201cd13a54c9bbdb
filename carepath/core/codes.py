"""DfE and Ofsted code lists, in one place (rules.md section 9, data-formats.md).

Nothing else in carepath spells a code as a bare string: models use these as `choices`, and the
generator, importers and exporters read them from here. Where a list changes by collection year,
the year it was checked against is named.
"""

from django.db import models


class ReferralSource(models.TextChoices):
    """CIN census referral source (also used for contacts, Annex A list 1)."""

    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours and childminders)"
    SELF = "1C", "Individual: self"
    INDIVIDUAL_OTHER = "1D", "Individual: other"
    SCHOOLS = "2A", "Schools"
    EDUCATION_SERVICES = "2B", "Education services"
    GP = "3A", "Health services: GP"
    HEALTH_VISITOR = "3B", "Health services: health visitor"
    SCHOOL_NURSE = "3C", "Health services: school nurse"
    PRIMARY_HEALTH_OTHER = "3D", "Health services: other primary health services"
    A_AND_E = "3E", "Health services: A&E"
    HEALTH_OTHER = "3F", "Health services: other"
    HOUSING = "4", "Housing"
    LA_SOCIAL_CARE = "5A", "Local authority services: social care"
    LA_INTERNAL = "5B", "Local authority services: other internal"
    LA_EXTERNAL = "5C", "Local authority services: external (another authority)"
    EARLY_HELP = "5D", "Local authority services: early help"
    POLICE = "6", "Police"
    LEGAL_AGENCY = "7", "Other legal agency"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


class PrimaryNeed(models.TextChoices):
    """CIN census primary need code (N0 and N9 are census-only additions)."""

    NOT_STATED = "N0", "Not stated"
    ABUSE_OR_NEGLECT = "N1", "Abuse or neglect"
    DISABILITY = "N2", "Child's disability"
    PARENTAL_ILLNESS = "N3", "Parental illness or disability"
    ACUTE_STRESS = "N4", "Family in acute stress"
    DYSFUNCTION = "N5", "Family dysfunction"
    BEHAVIOUR = "N6", "Socially unacceptable behaviour"
    LOW_INCOME = "N7", "Low income"
    ABSENT_PARENTING = "N8", "Absent parenting"
    NOT_IN_NEED = "N9", "Cases other than children in need"


class ClosureReason(models.TextChoices):
    """CIN census reason for closure (RC codes)."""

    ADOPTED = "RC1", "Adopted"
    DIED = "RC2", "Died"
    CHILD_ARRANGEMENTS = "RC3", "Child arrangements order"
    SGO = "RC4", "Special guardianship order"
    TRANSFERRED_LA = "RC5", "Transferred to services of another local authority"
    TRANSFERRED_ADULTS = "RC6", "Transferred to adult social care"
    SERVICES_CEASED = "RC7", "Services ceased for any other reason, including child no longer in need"
    NFA_AFTER_ASSESSMENT = "RC8", "Case closed after assessment, no further action"
    EARLY_HELP_AFTER_ASSESSMENT = "RC9", "Case closed after assessment, referred to early help"


class CPCategory(models.TextChoices):
    """CIN census category of abuse for a child protection plan."""

    NEGLECT = "NEG", "Neglect"
    PHYSICAL = "PHY", "Physical abuse"
    EMOTIONAL = "EMO", "Emotional abuse"
    SEXUAL = "SAB", "Sexual abuse"
    MULTIPLE = "MUL", "Multiple"


# Factors identified at the end of assessment (CIN census; meanings per the DfE CIN guide [K]).
ASSESSMENT_FACTORS: dict[str, str] = {
    "1A": "Alcohol misuse: child",
    "1B": "Alcohol misuse: parent",
    "1C": "Alcohol misuse: other person",
    "2A": "Drug misuse: child",
    "2B": "Drug misuse: parent",
    "2C": "Drug misuse: other person",
    "3A": "Domestic abuse: child",
    "3B": "Domestic abuse: parent",
    "3C": "Domestic abuse: other person",
    "4A": "Mental health: child",
    "4B": "Mental health: parent",
    "4C": "Mental health: other person",
    "5A": "Learning disability: child",
    "5B": "Learning disability: parent",
    "5C": "Learning disability: other person",
    "6A": "Physical disability or illness: child",
    "6B": "Physical disability or illness: parent",
    "6C": "Physical disability or illness: other person",
    "7A": "Young carer",
    "8B": "Privately fostered: overseas, intending to return",
    "8C": "Privately fostered: overseas, intending to stay",
    "8D": "Privately fostered: UK, parents living in the UK",
    "8E": "Privately fostered: UK, family moved abroad",
    "8F": "Privately fostered: other",
    "9A": "Unaccompanied asylum-seeking child",
    "10A": "Going or being missing",
    "11A": "Child sexual exploitation",
    "12A": "Trafficking",
    "13A": "Gangs",
    "14A": "Socially unacceptable behaviour",
    "15A": "Self-harm",
    "16A": "Neglect",
    "17A": "Emotional abuse",
    "18B": "Physical abuse by an adult",
    "18C": "Physical abuse by another child",
    "19B": "Sexual abuse by an adult",
    "19C": "Sexual abuse by another child",
    "20": "Other",
    "21": "No factors identified",
    "22A": "Female genital mutilation",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}
NO_FACTORS = "21"


class Sex(models.TextChoices):
    """CIN census sex; U for an unborn child or where not known."""

    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known or unborn"


class Ethnicity(models.TextChoices):
    """DfE ethnicity codes used by the CIN census and SSDA903."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Caribbean"
    BAFR = "BAFR", "African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    """CIN census disability codes."""

    NONE = "NONE", "None"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism or Asperger syndrome"
    DDA = "DDA", "Other disability (Equality Act)"


class LegalStatus(models.TextChoices):
    """SSDA903 legal status (LS)."""

    ICO = "C1", "Interim care order"
    FULL_CARE_ORDER = "C2", "Full care order"
    FREEING_ORDER = "D1", "Freeing order granted"
    PLACEMENT_ORDER = "E1", "Placement order granted"
    SECTION_20 = "V2", "Single period of accommodation under section 20"
    SHORT_BREAKS_EPISODES = "V3", "Agreed series of short-term breaks (episodes recorded)"
    SHORT_BREAKS_AGREEMENTS = "V4", "Agreed series of short-term breaks (agreements recorded)"
    POLICE_PROTECTION = "L1", "Under police protection and in local authority accommodation"
    EPO = "L2", "Emergency protection order"
    CHILD_ASSESSMENT_ORDER = "L3", "Under child assessment order and in local authority accommodation"
    REMANDED = "J1", "Remanded to local authority or youth detention accommodation"
    PACE = "J2", "Placed in local authority accommodation under PACE"
    YRO = "J3", "Youth rehabilitation order with residence or intensive fostering requirement"


class ReasonNewEpisode(models.TextChoices):
    """SSDA903 reason for new episode (RNE)."""

    STARTED = "S", "Started to be looked after"
    LEGAL_STATUS = "L", "Change of legal status only"
    PLACEMENT_AND_CARER = "P", "Change of placement and carer(s) only"
    PLACEMENT_SAME_CARER = "T", "Change of placement (but same carer(s)) only"
    STATUS_PLACEMENT_CARER = "B", "Change of legal status and placement and carer(s) at the same time"
    STATUS_PLACEMENT_SAME_CARER = "U", "Change of legal status and placement (same carer(s)) at the same time"


# RNE codes that mean a new placement begins with the episode.
NEW_PLACEMENT_RNE = {"S", "P", "T", "B", "U"}


class PlacementType(models.TextChoices):
    """SSDA903 placement type (PLACE), 2024 list plus K3 (registered supported accommodation)."""

    A3 = "A3", "Placed for adoption with consent, with current foster carer"
    A4 = "A4", "Placed for adoption with consent, not with current foster carer"
    A5 = "A5", "Placed for adoption with placement order, with current foster carer"
    A6 = "A6", "Placed for adoption with placement order, not with current foster carer"
    H5 = "H5", "Semi-independent living (legacy)"
    K1 = "K1", "Secure children's home"
    K2 = "K2", "Children's home"
    K3 = "K3", "Registered supported accommodation"
    P1 = "P1", "Placed with own parent(s) or person with parental responsibility"
    P2 = "P2", "Independent living"
    P3 = "P3", "Residential employment"
    R1 = "R1", "Residential care home"
    R2 = "R2", "NHS or health trust establishment"
    R3 = "R3", "Family centre or mother and baby unit"
    R5 = "R5", "Young offender institution"
    S1 = "S1", "Residential school"
    T0 = "T0", "Temporary move: all types"
    T1 = "T1", "Temporary move: hospital"
    T2 = "T2", "Temporary move: child's holiday"
    T3 = "T3", "Temporary move: carer's holiday"
    T4 = "T4", "Temporary move: other, up to 7 days"
    U1 = "U1", "Foster placement with relative or friend, long-term"
    U2 = "U2", "Foster placement with relative or friend who is also an approved adopter"
    U3 = "U3", "Foster placement with relative or friend, other"
    U4 = "U4", "Foster placement with other carer, long-term"
    U5 = "U5", "Foster placement with other carer who is also an approved adopter"
    U6 = "U6", "Foster placement with other carer, other"
    Z1 = "Z1", "Other placement"


class PlacementProvider(models.TextChoices):
    """SSDA903 placement provider."""

    PARENT = "PR0", "Parent or person with parental responsibility"
    OWN_LA = "PR1", "Own local authority"
    OTHER_LA = "PR2", "Other local authority"
    OTHER_PUBLIC = "PR3", "Other public provision"
    PRIVATE = "PR4", "Private provision"
    VOLUNTARY = "PR5", "Voluntary or third sector provision"


class ReasonEpisodeCeased(models.TextChoices):
    """SSDA903 reason episode ceased (REC)."""

    NEW_EPISODE = "X1", "Episode ceases and a new one starts on the same day"
    ADOPTED_UNOPPOSED = "E11", "Adopted: application unopposed"
    ADOPTED_CONSENT_DISPENSED = "E12", "Adopted: consent dispensed with by the court"
    LIVING_WITHOUT_PR = "E13", "Left care to live with parent, relative or other person without PR"
    REMAND_ENDED = "E14", "Accommodation on remand ended"
    AGE_ASSESSED_ADULT = "E15", "Age assessment determined child is aged 18 or over"
    MOVED_ABROAD = "E16", "Child moved abroad"
    STAYING_PUT = "E17", "Aged 18 or over and remained with current carers"
    DIED = "E2", "Died"
    OTHER_LA = "E3", "Care taken over by another local authority"
    CHILD_ARRANGEMENTS = "E41", "Residence or child arrangements order granted"
    SGO_FOSTER_RELATIVE = "E45", "Special guardianship order to former foster carers (relative or friend)"
    SGO_FOSTER_OTHER = "E46", "Special guardianship order to former foster carers (other)"
    SGO_OTHER_RELATIVE = (
        "E47",
        "Special guardianship order to carers other than former foster carers (relative or friend)",
    )
    SGO_OTHER = "E48", "Special guardianship order to carers other than former foster carers (other)"
    RETURNED_HOME_PLANNED = "E4A", "Returned home to parents as part of the care planning process"
    RETURNED_HOME_UNPLANNED = "E4B", "Returned home to parents not as part of the care planning process"
    INDEPENDENT_SUPPORTED = "E5", "Moved to independent living with supportive accommodation"
    INDEPENDENT_UNSUPPORTED = "E6", "Moved to independent living with no formalised support"
    ADULT_RESIDENTIAL = "E7", "Transferred to residential care funded by adult social care"
    CUSTODY = "E9", "Sentenced to custody"
    OTHER = "E8", "Period of being looked after ceased for any other reason"


class PlacementChangeReason(models.TextChoices):
    """SSDA903 reason for placement change."""

    CARE_PLAN = "CARPL", "Change to or implementation of the care plan"
    CLOSURE = "CLOSE", "Resignation or closure of provision"
    ALLEGATION = "ALLEG", "Allegation (section 47)"
    STANDARDS = "STAND", "Standards of care concern"
    APPROVAL_REMOVED = "APPRR", "Approval removed"
    CARER_BEHAVIOUR = "CREQB", "Carer requests end due to child's behaviour"
    CARER_OTHER = "CREQO", "Carer requests end for another reason"
    CHILD_REQUEST = "CHILD", "Child requests end"
    LA_REQUEST = "LAREQ", "Responsible or area authority requests end"
    STATUS_ONLY = "PLACE", "Change in status of placement only"
    CUSTODY = "CUSTOD", "Custody arrangement"
    OTHER = "OTHER", "Other"


class ReviewParticipation(models.TextChoices):
    """SSDA903 participation in looked-after reviews."""

    PN0 = "PN0", "Child aged under 4 at the time of the review"
    PN1 = "PN1", "Child physically attends and speaks for themselves"
    PN2 = "PN2", "Child physically attends; an advocate speaks on their behalf"
    PN3 = "PN3", "Child attends and conveys views symbolically (non-verbally)"
    PN4 = "PN4", "Child physically attends but does not speak for themselves or convey views"
    PN5 = "PN5", "Child does not attend; briefs an advocate to speak for them"
    PN6 = "PN6", "Child does not attend but conveys feelings by another method"
    PN7 = "PN7", "Child does not attend nor are views conveyed to the review"


class MissingType(models.TextChoices):
    """SSDA903 missing module."""

    MISSING = "M", "Missing (whereabouts unknown)"
    AWAY = "A", "Away without authorisation (whereabouts known)"


# Legal statuses under which the law or best practice needs extra scrutiny (F08, F09).
EMERGENCY_LEGAL_STATUSES = {LegalStatus.POLICE_PROTECTION, LegalStatus.EPO}

# Validator rule 378: placed with parents (P1) cannot be combined with section 20 (V2).
FORBIDDEN_STATUS_PLACEMENT = {(LegalStatus.SECTION_20, PlacementType.P1)}


# --- Legal pathway (issue 4): SSD ssd_pre_proceedings and Ofsted Annex A --------------------------


class LegalGatewayOutcome(models.TextChoices):
    """A legal gateway panel's decision for one child. The first three are the SSD
    `legal_gateway_outcome` codes A-C; the others are the further outcomes panels record, each
    mapped to the nearest SSD code by `SSD_GATEWAY_OUTCOME` for export."""

    CONTINUE = "A", "Continue with the current plan"
    PRE_PROCEEDINGS = "B", "Start pre-proceedings (PLO)"
    ISSUE = "C", "Issue care proceedings"
    SECTION_20 = "S20", "Accommodate under section 20"
    FURTHER_ASSESSMENT = "FA", "Further assessment before a decision"
    NO_FURTHER_LEGAL_ACTION = "NFLA", "No further legal action"


SSD_GATEWAY_OUTCOME = {
    LegalGatewayOutcome.CONTINUE: "A",
    LegalGatewayOutcome.PRE_PROCEEDINGS: "B",
    LegalGatewayOutcome.ISSUE: "C",
    LegalGatewayOutcome.SECTION_20: "A",
    LegalGatewayOutcome.FURTHER_ASSESSMENT: "A",
    LegalGatewayOutcome.NO_FURTHER_LEGAL_ACTION: "A",
}


class PreProceedingsOutcome(models.TextChoices):
    """How pre-proceedings ended. The SSD text values are these labels' first two; the CIN census
    2026-27 PPOutcome code set (CS131: A, B, C) has no published meanings yet, so the mapping in
    `CIN_PP_OUTCOME` is carepath's reading, to be checked against the DfE specification."""

    ISSUE = "issue", "Decision to issue care proceedings"
    STEP_DOWN = "step_down", "Decision to step down"
    OTHER = "other", "Ended for another reason (the family moved, the child turned 18)"


CIN_PP_OUTCOME = {
    PreProceedingsOutcome.ISSUE: "A",
    PreProceedingsOutcome.STEP_DOWN: "B",
    PreProceedingsOutcome.OTHER: "C",
}


class YesNoUnknown(models.TextChoices):
    YES = "Yes", "Yes"
    NO = "No", "No"
    UNKNOWN = "Unknown", "Unknown"


class ShortNoticeReason(models.TextChoices):
    """SSD short_notice_reason: why an application was heard within 2 to 5 days."""

    IMMEDIATE_SAFETY = "A", "Immediate safety, or a threat of abduction"
    EPO_CRITERIA = "B", "The criteria for an emergency protection order were met"
    OTHER = "C", "Other"


class CourtCarePlan(models.TextChoices):
    """SSD la_initial_care_plan / la_final_care_plan (H only for the final plan)."""

    CARE_ORDER = "A", "Interim care order or care order"
    CARE_ORDER_AT_HOME = "B", "Interim care order or care order: placement with parents"
    ADOPTION = "C", "Adoption"
    SUPERVISION_ORDER = "D", "Interim supervision order or supervision order"
    SGO = "E", "Special guardianship order"
    PRIVATE_LAW = "F", "Private law order"
    OTHER = "G", "Other"
    NOT_YET_FINAL = "H", "Not yet at final hearing"


class FinalOrder(models.TextChoices):
    CARE_ORDER = "care_order", "Care order"
    CARE_ORDER_AT_HOME = "care_order_home", "Care order, placed with parents"
    SUPERVISION_ORDER = "supervision_order", "Supervision order"
    PLACEMENT_ORDER = "placement_order", "Care order and placement order"
    SGO = "sgo", "Special guardianship order"
    CHILD_ARRANGEMENTS = "cao", "Child arrangements order"
    NO_ORDER = "no_order", "No order"
    WITHDRAWN = "withdrawn", "Application withdrawn"


class PermanencePlan(models.TextChoices):
    """Ofsted Annex A list 8: "What is the permanence plan for this child?" """

    RETURN_HOME = "a", "Return to family"
    ADOPTION = "b", "Adoption"
    SGO_CAO = "c", "Special guardianship or child arrangements order"
    SUPPORTED_LIVING = "d", "Supported living in the community"
    LONG_TERM_RESIDENTIAL = "e", "Long-term residential placement"
    LONG_TERM_FOSTERING = "f", "Long-term fostering"
    OTHER = "g", "Other"
