from django import forms


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or case number", max_length=100,
        error_messages={"required": "Enter a name or case number"},
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to open this record now?",
        help_text="Your reason is kept with the record and reviewed by information governance.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you need to open this record"},
    )
