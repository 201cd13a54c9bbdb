"""Forms for police protection: logging a use, its end, the management review, and the period of
the thematic report."""

from django import forms

from carepath.core.govuk_forms import GovukDateField, GovukDateTimeField

from .models import PoliceProtection, PoliceProtectionReview


class PoliceProtectionForm(forms.Form):
    taken_at = GovukDateTimeField(
        label="When was the child taken into police protection?",
        help_text="The 72 hours run from this moment. For example, 27 3 2026 14 30",
        error_messages={"required": "Enter when the child was taken into police protection"},
    )
    officer = forms.CharField(
        label="Officer who took the child",
        help_text="Name and collar number",
        max_length=200,
        error_messages={"required": "Enter the officer's name and number"},
    )
    force = forms.CharField(
        label="Police force", max_length=200, error_messages={"required": "Enter the police force"}
    )
    designated_officer = forms.CharField(
        label="Designated officer",
        help_text="The officer who inquires into the case (section 46(3)(e))",
        max_length=200,
        required=False,
    )
    circumstances = forms.CharField(
        label="Circumstances",
        help_text="Why the police used their powers, and what was happening",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the circumstances in which the child was taken"},
    )
    where_accommodated = forms.CharField(
        label="Where the child is accommodated", max_length=300, required=False
    )
    la_notified_at = GovukDateTimeField(
        label="When was the local authority told?",
        help_text="Leave blank if not known. For example, 27 3 2026 15 10",
        required=False,
    )


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_at = GovukDateTimeField(
        label="When did police protection end?",
        help_text="For example, 28 3 2026 09 00",
        error_messages={"required": "Enter when police protection ended"},
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=PoliceProtection.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened when police protection ended"},
    )


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    could_have_acted_earlier = forms.ChoiceField(
        label="Could the service have acted earlier?",
        choices=PoliceProtectionReview.Judgement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the service could have acted earlier"},
    )
    findings = forms.CharField(
        label="What the review found",
        help_text="What was known before, what was done, and whether police protection could have been avoided",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what the review found"},
    )
    learning = forms.CharField(
        label="Learning",
        help_text="Needed if the service could have acted earlier: what should change",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class PeriodForm(forms.Form):
    date_from = GovukDateField(label="From", required=False)
    date_to = GovukDateField(label="To", required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be the same as or after the start")
        return data
