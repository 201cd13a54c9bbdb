from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("health/", views.health, name="health"),
]
