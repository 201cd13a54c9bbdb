"""API permissions: the same functions and scopes as the web pages."""

from rest_framework.permissions import BasePermission


class HasCarepathFunction(BasePermission):
    """Deny by default: a view must name the function it needs (`required_function`)."""

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        function = getattr(view, "required_function", None)
        if function is None:
            return False
        return user.can(function)
