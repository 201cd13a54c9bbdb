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
        # Room for the spaces and dashes some apps show in the middle of the code.
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the 6-digit code", "max_length": "The code is 6 digits"},
    )

    def clean_code(self):
        code = "".join(c for c in self.cleaned_data["code"] if c not in " -")
        if not code.isdigit():
            raise forms.ValidationError("The code must be 6 digits, like 123456")
        if len(code) != 6:
            raise forms.ValidationError("The code is 6 digits")
        return code
