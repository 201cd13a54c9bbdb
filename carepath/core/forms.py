from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been disabled. Ask your system administrator.",
    }


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Enter the 6-digit code", "min_length": "The code is 6 digits"},
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The code must be 6 digits, like 123456")
        return code
