"""Idle and absolute session timeouts, and two-factor enforcement."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device

SESSION_STARTED = "carepath_session_started"
LAST_SEEN = "carepath_last_seen"
# Why the last session ended. Kept in the fresh anonymous session, because this middleware runs
# before the messages middleware; the sign-in page turns it into a message.
SIGNED_OUT_REASON = "carepath_signed_out_reason"
IDLE = "idle"
TIME_LIMIT = "time_limit"


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def url_with_next(url_name: str, request) -> str:
    """The URL of `url_name` that comes back here afterwards. A form that was being posted cannot
    be replayed, so after a POST the person comes back to the page instead."""
    back = request.get_full_path() if request.method == "GET" else request.path
    return f"{reverse(url_name)}?{urlencode({'next': back})}"


def start_session_clocks(request) -> None:
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Ends a session after a period of inactivity, and after an absolute time regardless of
    activity, so a computer left signed in does not stay open to a child's record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = self._ended(request)
            if reason:
                logout(request)
                # Signing in again goes ahead; anything else goes to the sign-in page first.
                if not is_api(request) and request.path_info != reverse("core:sign-in"):
                    request.session[SIGNED_OUT_REASON] = reason
                    return redirect(url_with_next("core:sign-in", request))
                # An API caller carries on as anonymous, and the API refuses it.
        return self.get_response(request)

    @staticmethod
    def _ended(request) -> str | None:
        now = time.time()
        started = request.session.get(SESSION_STARTED)
        last_seen = request.session.get(LAST_SEEN)
        if started is None or last_seen is None:
            # Signed in some other way than the sign-in page (which starts the clocks itself).
            start_session_clocks(request)
            return None
        if now - last_seen > settings.CAREPATH_SESSION_IDLE_TIMEOUT:
            return IDLE
        if now - started > settings.CAREPATH_SESSION_ABSOLUTE_TIMEOUT:
            return TIME_LIMIT
        # Record activity at most every minute (sooner for short timeouts), to spare the session
        # store a write on every request.
        if now - last_seen >= min(60, settings.CAREPATH_SESSION_IDLE_TIMEOUT / 4):
            request.session[LAST_SEEN] = now
        return None


# Pages a signed-in user who still owes a second factor may reach.
TWO_FACTOR_EXEMPT_NAMES = {
    "core:two-factor-verify",
    "core:two-factor-setup",
    "core:sign-out",
    "core:accessibility",
    "core:health",
}


def needs_second_factor(user) -> bool:
    return settings.CAREPATH_REQUIRE_TWO_FACTOR or user.two_factor_required or user_has_device(user)


class TwoFactorRequiredMiddleware:
    """A user who must use two-factor authentication, or who has set it up, cannot go further than
    setting it up or entering a code until they have entered a code this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._exempt(request)
            and needs_second_factor(user)
        ):
            if is_api(request):
                return JsonResponse({"detail": "Two-factor verification required."}, status=403)
            target = "core:two-factor-verify" if user_has_device(user) else "core:two-factor-setup"
            return redirect(url_with_next(target, request))
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        # The URL is not resolved yet when middleware runs, so resolve it here.
        try:
            return resolve(request.path_info).view_name in TWO_FACTOR_EXEMPT_NAMES
        except Resolver404:
            return False
