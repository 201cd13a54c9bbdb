from carepath.core.permissions import Function


def navigation(request):
    """The service navigation links the signed-in user's role allows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.can(Function.VIEW_CHILD_RECORD):
        items.append(("people:home", "My caseload"))
        items.append(("people:child-search", "Find a child"))
    if user.can(Function.VIEW_TEAM):
        items.append(("people:teams", "Teams"))
    if user.can(Function.MANAGE_USERS):
        items.append(("people:accounts", "Accounts"))
    if user.can(Function.VIEW_ACCESS_REPORTS):
        items.append(("people:break-glass-report", "Break-glass report"))
    return {"nav_items": items}
