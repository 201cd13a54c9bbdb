import time

from django.conf import settings

from carepath.core.permissions import Function, Role

# How long the navigation's counts may be reused within a session. The My work page itself is
# always worked out afresh; the counts on every other page are a reminder, and working them out on
# every page cost the server a quarter of its capacity at 60,000 children.
COUNTS_FOR_SECONDS = 60

# Holding any of these puts practice assurance's front page in the navigation.
ASSURANCE_FUNCTIONS = (
    Function.VIEW_ASSURANCE,
    Function.CONDUCT_AUDITS,
    Function.MANAGE_AUDITS,
    Function.RESPOND_TO_AUDITS,
    Function.RECORD_SUPERVISION,
)


def _my_work_label(request) -> str:
    """The "My work" link, saying what is overdue on screen."""
    # Imported here: the shared kernel does not depend on a domain app when it is loaded.
    from carepath.timescales.selectors import work_counts_for

    now = time.time()
    kept = request.session.get("work_counts")
    is_my_work = (
        request.resolver_match is not None and request.resolver_match.view_name == "timescales:my-work"
    )
    if kept and now - kept[0] < COUNTS_FOR_SECONDS and not is_my_work:
        overdue, escalated = kept[1], kept[2]
    else:
        counts = work_counts_for(request.user)
        overdue, escalated = counts.overdue, counts.escalated_to_me
        request.session["work_counts"] = (now, overdue, escalated)
    said = [f"{overdue} overdue"] if overdue else []
    if escalated:
        said.append(f"{escalated} escalated")
    return f"My work ({', '.join(said)})" if said else "My work"


def navigation(request):
    """The service navigation links the signed-in user's role allows, and the phase banner."""
    banner = {"phase_banner": settings.CAREPATH_PHASE_BANNER}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], **banner}
    items = []
    if user.can(Function.VIEW_CHILD_RECORD):
        # Home is the caseload for workers, and the team or service page for their managers.
        home_label = {Role.TEAM_MANAGER: "My team", Role.HEAD_OF_SERVICE: "My service"}.get(
            user.role, "My caseload"
        )
        items.append(("people:home", home_label))
        items.append(("people:child-search", "Find a child"))
    if user.can(Function.SEE_OWN_WORK):
        items.append(("timescales:my-work", _my_work_label(request)))
    if user.can(Function.RECORD_CASEWORK) and (
        user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)
        or (user.team_id and user.team.kind == "front_door")
    ):
        items.append(("journey:front-door", "Front door"))
    if user.can(Function.VIEW_LEGAL):
        items.append(("legal:home", "Legal"))
    # Practice assurance: one item at most. Auditors, supervisors, the QA lead and readers of the
    # reports get its front page (which also links to their own supervision); a social worker's
    # part in it is their own supervision, so their item says that and goes straight there.
    if any(user.can(f) for f in ASSURANCE_FUNCTIONS):
        items.append(("assurance:home", "Assurance"))
    elif user.role == Role.SOCIAL_WORKER:
        items.append(("assurance:my-supervision", "My supervision"))
    if user.can(Function.SUBMIT_CONTACT):
        items.append(("journey:contact-new", "Tell us about a child"))
        items.append(("journey:contacts-mine", "Your contacts"))
    if user.can(Function.VIEW_TEAM):
        items.append(("people:teams", "Teams"))
    if user.can(Function.MANAGE_USERS):
        items.append(("people:accounts", "Accounts"))
    if user.can(Function.VIEW_ACCESS_REPORTS):
        items.append(("people:break-glass-report", "Break-glass report"))
    if user.can(Function.MANAGE_TIMESCALES):
        items.append(("timescales:rules", "Timescale rules"))
    if user.can(Function.MANAGE_LETTER_TEMPLATES) and not user.can(Function.VIEW_LEGAL):
        # The legal pages link to the templates for those who see them; an administrator does not.
        items.append(("legal:letter-templates", "Letter templates"))
    return {"nav_items": items, **banner}
