"""Sign-in, two-factor authentication and the pages every user may reach."""

import base64
from io import BytesIO

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import SignInForm, TwoFactorCodeForm


class SignInView(LoginView):
    template_name = "core/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("core:sign-in")


def _safe_next(request, default="people:home"):
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def two_factor_verify(request):
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    if not devices.exists():
        return redirect("core:two-factor-setup")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["code"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("code", "That code is not right, or has expired. Enter the code your app shows now")
    return render(request, "core/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def two_factor_setup(request):
    """Set up an authenticator app: show a QR code for an unconfirmed device, confirm with a code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists() and not request.user.is_verified():
        return redirect("core:two-factor-verify")
    device, _ = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "Authenticator app"})
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is set up.")
            return redirect(_safe_next(request))
        form.add_error("code", "That code is not right. Enter the code your app shows now")
    buffer = BytesIO()
    segno.make(device.config_url).save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR code for your authenticator app")
    return render(
        request,
        "core/two_factor_setup.html",
        {"form": form, "qr_svg": buffer.getvalue().decode(), "secret": base64.b32encode(device.bin_key).decode(), "next": request.GET.get("next", "")},
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
