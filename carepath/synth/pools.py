"""Pre-built pools of synthetic names, places and phrases.

Faker is slow per call, so it is asked once for a few thousand names and the generator draws
from these pools with its own seeded Random. Every name, postcode and phrase here is synthetic:
the home postcodes use the area "NX", which no real English postcode area uses.
"""

from dataclasses import dataclass

from faker import Faker

AUTHORITY_NAMES = [
    "Northmoor County Council",
    "Ashvale Borough Council",
    "Kingsbridge City Council",
    "Westerleigh Metropolitan Borough Council",
    "Eastholme County Council",
]

# Fictional towns of the fictional authority, for schools, surgeries and team names.
TOWNS = [
    "Ashby Vale",
    "Millbrook",
    "Kingsford",
    "Harrowfield",
    "Northmoor",
    "Easterby",
    "Oakhurst",
    "Fenwick",
    "Thornbury Cross",
    "Brackenfold",
    "Stonebridge",
    "Wellmead",
    "Larkhill Green",
    "Redcastle",
    "Fairlow",
    "Hollins End",
    "Marston Lea",
    "Cranwell Park",
]
LOCALITIES = ["North", "South", "East", "West", "Central", "Riverside", "Coastal", "Valley"]

HOME_POSTCODE_AREA = "NX"

LANGUAGES = [
    ("English", 0.86),
    ("Polish", 0.02),
    ("Urdu", 0.02),
    ("Romanian", 0.015),
    ("Arabic", 0.015),
    ("Punjabi", 0.01),
    ("Bengali", 0.01),
    ("Somali", 0.01),
    ("Portuguese", 0.01),
    ("Tigrinya", 0.005),
    ("Pashto", 0.005),
]

CASE_NOTE_SUBJECTS = {
    "case_note": [
        "Update from school",
        "Discussion with parent",
        "Home conditions",
        "Child's views",
        "Information from health visitor",
        "Update on plan actions",
        "Contact arrangements",
        "Concerns raised by neighbour",
        "Attendance at nursery",
        "Family time observed",
    ],
    "phone_call": [
        "Call with mother",
        "Call with father",
        "Call from school",
        "Call with GP surgery",
        "Call from police",
        "Call with foster carer",
        "Call with health visitor",
    ],
    "meeting": [
        "Team around the family meeting",
        "Professionals meeting",
        "Family group conference",
        "Planning meeting",
        "Meeting with school",
        "Transition planning meeting",
    ],
    "correspondence": [
        "Letter to parents",
        "Email from school",
        "Report received from CAMHS",
        "Letter from housing",
        "Court correspondence",
        "Email from health",
    ],
    "management_oversight": ["Management oversight", "Supervision: case direction", "Case review by manager"],
}
CASE_NOTE_TEXTS = [
    "Spoke with {parent} about the plan. {parent} agreed to the next steps and to attend the meeting.",
    "{child} was seen and appeared well presented. {child} talked about school and friends.",
    "School report that {child}'s attendance has improved this half term.",
    "{parent} reported difficulties with the routine at bedtime; advice given and follow-up arranged.",
    "Health visitor confirms the developmental check is booked and immunisations are up to date.",
    "Discussed the concerns about home conditions. Some improvement seen since the last visit.",
    "Police shared information about an incident at the address; safety plan reviewed with {parent}.",
    "Agreed actions reviewed: two complete, one outstanding (referral to parenting programme).",
    "{child} said they feel safe at home at the moment and would like more time with their grandparents.",
    "Foster carer reports {child} is settling well and eating better.",
]
OVERSIGHT_TEXTS = [
    "Case discussed. Plan remains appropriate; visits on time. Next review of progress in four weeks.",
    "Reviewed chronology and risk. Direction: complete the outstanding assessment actions before the review.",
    "Progress against the plan is slow. Direction: convene a professionals meeting within 10 working days.",
    "Management oversight: record reflects current risk; case to continue at the current level.",
]
VISIT_NOTES = [
    "Home visit. {child} seen. Home conditions acceptable.",
    "Visit completed; {child} spoken to about wishes and feelings.",
    "Unannounced visit. {parent} present; {child} seen in the home.",
    "Visit at school; {child} seen.",
    "Visit at placement; {child} seen with carer, then on their own.",
]
CONTACT_SUMMARIES = [
    "Concerns about neglect: {child} arriving at school hungry and unkempt.",
    "Domestic abuse incident reported at the family home; children present.",
    "{child} disclosed being hit by a parent's partner.",
    "Parental mental health crisis; concerns for the care of the children.",
    "Concerns about parental alcohol misuse and supervision of {child}.",
    "{child} missing from home overnight and found in the early hours.",
    "Family in financial crisis and facing eviction; asking for support.",
    "Anonymous concern that young children are left alone at the address.",
    "Injury noticed at nursery with an inconsistent explanation.",
    "Concerns about exploitation: {child} seen with older young people late at night.",
    "Pregnant mother with a history of children removed from her care.",
    "{child}'s behaviour at home has broken down and the parents are asking for help.",
]
ATTENDEES = "Children's social care (social worker, team manager); police; health; education"
PLAN_OUTCOMES = [
    "{child} lives in a home free from domestic abuse.",
    "{child}'s health and development needs are met.",
    "{child} attends school regularly and on time.",
    "{child} is cared for by adults who are not under the influence of alcohol or drugs.",
    "{child} has a safe adult to talk to and knows how to get help.",
]
PLAN_ACTIONS = [
    ("Attend the domestic abuse programme and complete all sessions", "Mother"),
    ("Register {child} with a dentist and attend the appointment", "Parents"),
    ("Complete a parenting assessment", "Social worker"),
    ("Provide a weekly update on attendance", "School"),
    ("Complete the developmental review", "Health visitor"),
    ("Engage with the substance misuse service and provide test results", "Father"),
    ("Arrange a family group conference", "Social worker"),
]
WRITTEN_AGREEMENT_TERMS = [
    "Not to allow {other} to have contact with the children unless supervised.",
    "To keep the home free from alcohol while caring for the children.",
    "To make sure the children attend school every day.",
    "To contact the social worker if there is any further incident.",
]
EARLY_HELP_ORGANISATIONS = [
    "Family Hub",
    "Children's centre",
    "School family support worker",
    "Targeted youth support",
]


@dataclass
class NamePools:
    male: list[str]
    female: list[str]
    surnames: list[str]
    out_of_area_postcodes: list[str]
    streets: list[str]


def build_pools(seed: int, size: int = 800) -> NamePools:
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    # Sets then sorted lists: order must not depend on hash seeds, only on the Faker seed.
    male = sorted({fake.first_name_male() for _ in range(size)})
    female = sorted({fake.first_name_female() for _ in range(size)})
    surnames = sorted({fake.last_name() for _ in range(size * 2)})
    postcodes = sorted({fake.postcode() for _ in range(size)})
    streets = sorted({fake.street_name() for _ in range(size // 2)})
    return NamePools(male, female, surnames, postcodes, streets)
