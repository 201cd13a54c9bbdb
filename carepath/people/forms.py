from django import forms

from carepath.core.govuk_forms import GovukDateField


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or case number",
        max_length=100,
        error_messages={"required": "Enter a name or case number"},
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to open this record now?",
        help_text="Your reason is kept with the record and reviewed by information governance.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you need to open this record"},
    )


class AccountForm(forms.Form):
    stamp = forms.CharField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=[])
    scope = forms.ChoiceField(
        label="Which children's records they can see", choices=[], widget=forms.RadioSelect
    )
    team = forms.ModelChoiceField(label="Team", queryset=None, required=False, empty_label="No team")
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    employment_type = forms.ChoiceField(label="Employment", choices=[], widget=forms.RadioSelect)
    newly_qualified = forms.BooleanField(label="Newly qualified (ASYE)", required=False)
    social_work_england_number = forms.CharField(
        label="Social Work England number", max_length=20, required=False
    )
    two_factor_required = forms.BooleanField(
        label="Must use two-factor authentication to sign in", required=False
    )

    def __init__(self, *args, **kwargs):
        from carepath.core.permissions import Role, Scope

        from .models import Team, User

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["scope"].choices = Scope.choices
        self.fields["employment_type"].choices = User.EmploymentType.choices
        self.fields["team"].queryset = Team.objects.select_related("service").order_by(
            "service__name", "name"
        )


class LeaverForm(forms.Form):
    left_on = GovukDateField(label="Date they left", help_text="For example, 27 3 2026")
