"""Sign-in, two-factor authentication and the pages every user may reach."""

import base64
from io import BytesIO

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import SignInForm, TwoFactorCodeForm
from .middleware import IDLE, SIGNED_OUT_REASON, TIME_LIMIT, start_session_clocks, url_with_next

SIGNED_OUT_MESSAGES = {
    IDLE: "You were signed out because you had not used carepath for a while. Sign in again to carry on.",
    TIME_LIMIT: "You were signed out because your session reached its time limit. Sign in again to carry on.",
}


class SignInView(LoginView):
    template_name = "core/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        reason = request.session.pop(SIGNED_OUT_REASON, None)
        if reason in SIGNED_OUT_MESSAGES:
            messages.info(request, SIGNED_OUT_MESSAGES[reason])
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        start_session_clocks(self.request)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(lockout_limit=settings.AXES_FAILURE_LIMIT, **kwargs)


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("core:sign-in")


def _safe_next(request, default="people:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _next_for_form(request) -> str:
    target = _safe_next(request, default="")
    return target if target.startswith("/") else ""


def _throttled_until(devices):
    """When every device is refusing codes after repeated wrong ones, the time they accept again."""
    waits = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if allowed:
            return None
        waits.append((info or {}).get("locked_until"))
    return min((w for w in waits if w), default=None)


def _wait_message(until) -> str:
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    unit = "second" if seconds == 1 else "seconds"
    return f"You have entered a wrong code too many times. Wait {seconds} {unit}, then try again"


def _verified(request, device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is proven, so a key seen before cannot ride on it.
    request.session.cycle_key()


@never_cache
@login_required
def two_factor_verify(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(url_with_next("core:two-factor-setup", request))
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = _throttled_until(devices)
        if until is not None:
            form.add_error("code", _wait_message(until))
        else:
            for device in devices:
                accepted = verify_token(request.user, device.persistent_id, form.cleaned_data["code"])
                if accepted is not None:
                    _verified(request, accepted)
                    return redirect(_safe_next(request))
            form.add_error(
                "code", "That code is not right, or has expired. Enter the code your app shows now"
            )
    return render(request, "core/two_factor_verify.html", {"form": form, "next": _next_for_form(request)})


@never_cache
@login_required
def two_factor_setup(request):
    """Set up an authenticator app: show a QR code for an unconfirmed device, confirm with a code."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not user.is_verified():
        # Someone who has an app already proves it before adding another.
        return redirect(url_with_next("core:two-factor-verify", request))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name="Authenticator app")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = _throttled_until([device])
        if until is not None:
            form.add_error("code", _wait_message(until))
        elif verify_token(user, device.persistent_id, form.cleaned_data["code"]) is not None:
            device.refresh_from_db()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            _verified(request, device)
            messages.success(request, "Two-factor authentication is set up.")
            return redirect(_safe_next(request))
        else:
            form.add_error("code", "That code is not right. Enter the code your app shows now")
    buffer = BytesIO()
    segno.make(device.config_url).save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR code for your authenticator app"
    )
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": buffer.getvalue().decode(),
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": _next_for_form(request),
        },
    )


def accessibility_statement(request):
    return render(request, "core/accessibility.html")


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def permission_denied(request, exception=None):
    context = {"reason": str(exception) if exception else ""}
    decision = getattr(exception, "decision", None)
    child = getattr(exception, "child", None)
    if decision is not None and decision.can_break_glass and child is not None:
        context["break_glass_child"] = child
    return render(request, "core/403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "core/404.html", status=404)


def plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain", status=status)
