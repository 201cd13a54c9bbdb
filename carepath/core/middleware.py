"""Idle and absolute session timeouts, and two-factor enforcement."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED = "carepath_session_started"
LAST_SEEN = "carepath_last_seen"


class SessionTimeoutMiddleware:
    """Ends a session after a period of inactivity, and after an absolute time regardless of
    activity, so a computer left signed in does not stay open to a child's record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(LAST_SEEN, now)
            idle = now - last_seen > settings.CAREPATH_SESSION_IDLE_TIMEOUT
            expired = now - started > settings.CAREPATH_SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, "You were signed out because you had not used carepath for a while."
                                  if idle else "You were signed out because your session reached its time limit.")
                    return redirect(f"{reverse('core:sign-in')}?next={request.path}")
            else:
                request.session[SESSION_STARTED] = started
                # Write the activity time at most once a minute, to spare the session store.
                if now - last_seen > 60 or LAST_SEEN not in request.session:
                    request.session[LAST_SEEN] = now
        return self.get_response(request)


# Pages a signed-in user who still owes a second factor may reach.
TWO_FACTOR_EXEMPT_NAMES = {"core:two-factor-verify", "core:two-factor-setup", "core:sign-out"}


class TwoFactorRequiredMiddleware:
    """A user who must use two-factor authentication, or who has set it up, cannot go further than
    the verification page until they have entered a code this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            from django_otp import user_has_device

            needs_second_factor = user_has_device(user) or user.two_factor_required or settings.CAREPATH_REQUIRE_TWO_FACTOR
            if needs_second_factor and not user.is_verified():
                match = getattr(request, "resolver_match", None)
                from django.urls import resolve

                try:
                    name = match.view_name if match else resolve(request.path_info).view_name
                except Exception:
                    name = ""
                if name not in TWO_FACTOR_EXEMPT_NAMES:
                    if request.path.startswith("/api/"):
                        from django.http import JsonResponse

                        return JsonResponse({"detail": "Two-factor verification required."}, status=403)
                    target = "core:two-factor-verify" if user_has_device(user) else "core:two-factor-setup"
                    return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
