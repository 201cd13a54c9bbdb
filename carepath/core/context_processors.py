from django.conf import settings

from carepath.core.permissions import Function, Role


def _my_work_label(user) -> str:
    """The "My work" link, saying what is overdue on screen: two cheap queries on every page."""
    # Imported here: the shared kernel does not depend on a domain app when it is loaded.
    from carepath.timescales.selectors import work_counts_for

    counts = work_counts_for(user)
    said = [f"{counts.overdue} overdue"] if counts.overdue else []
    if counts.escalated_to_me:
        said.append(f"{counts.escalated_to_me} escalated")
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
        items.append(("timescales:my-work", _my_work_label(user)))
    if user.can(Function.RECORD_CASEWORK) and (
        user.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)
        or (user.team_id and user.team.kind == "front_door")
    ):
        items.append(("journey:front-door", "Front door"))
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
    return {"nav_items": items, **banner}
