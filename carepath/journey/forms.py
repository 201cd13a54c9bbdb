from django import forms

from carepath.core import codes
from carepath.core.govuk_forms import GovukDateField, GovukDateTimeField
from carepath.people.services import EDITABLE_CHILD_FIELDS

from . import models as m


class CaseNoteForm(forms.Form):
    happened_at = GovukDateTimeField(
        label="When did this happen?",
        help_text="The date and time of the activity, not of writing it up. For example, 27 3 2024 14 30",
        error_messages={"required": "Enter when this happened"},
    )
    kind = forms.ChoiceField(
        label="Type of note",
        choices=m.CaseNote.Kind.choices,
        widget=forms.RadioSelect,
        initial=m.CaseNote.Kind.CASE_NOTE,
    )
    subject = forms.CharField(label="Subject", max_length=200, error_messages={"required": "Enter a subject"})
    text = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 8}), error_messages={"required": "Enter the note"}
    )


class VisitForm(forms.Form):
    visited_at = GovukDateTimeField(
        label="When was the visit?",
        help_text="For example, 27 3 2024 14 30",
        error_messages={"required": "Enter the date and time of the visit"},
    )
    kind = forms.ChoiceField(
        label="Type of visit",
        choices=m.Visit.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of visit"},
    )
    child_seen = forms.TypedChoiceField(
        label="Was the child seen?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        error_messages={"required": "Select whether the child was seen"},
    )
    child_seen_alone = forms.BooleanField(label="The child was seen alone", required=False)
    bedroom_seen = forms.BooleanField(label="The child's bedroom was seen", required=False)
    notes = forms.CharField(
        label="What did you see and hear?", widget=forms.Textarea(attrs={"rows": 8}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("child_seen_alone") and data.get("child_seen") is False:
            self.add_error("child_seen_alone", "A child cannot be seen alone if they were not seen")
        return data


class ChildDetailsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter the last name"}
    )
    preferred_name = forms.CharField(label="Preferred name", max_length=100, required=False)
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2015")
    expected_date_of_birth = GovukDateField(
        label="Expected date of birth",
        required=False,
        allow_future=True,
        help_text="Only for an unborn child",
    )
    sex = forms.ChoiceField(label="Sex", choices=codes.Sex.choices, widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label="Ethnicity", choices=codes.Ethnicity.choices)
    first_language = forms.CharField(label="First language", max_length=50, required=False)
    postcode = forms.CharField(label="Postcode", max_length=8, required=False)
    upn = forms.CharField(label="Unique pupil number (UPN)", max_length=13, required=False)

    def __init__(self, data=None, *, instance_child):
        initial = {name: getattr(instance_child, name) for name in EDITABLE_CHILD_FIELDS}
        initial["version"] = instance_child.version
        super().__init__(data, initial=initial)

    def clean(self):
        data = super().clean()
        if not data.get("date_of_birth") and not data.get("expected_date_of_birth"):
            self.add_error(
                "date_of_birth", "Enter a date of birth, or an expected date of birth for an unborn child"
            )
        if not data.get("date_of_birth") and data.get("sex") and data.get("sex") != codes.Sex.UNKNOWN:
            self.add_error("sex", "An unborn child's sex is recorded as not known")
        return data


class ContactSubmissionForm(forms.Form):
    """What a partner agency tells the front door about a child (a contact)."""

    first_name = forms.CharField(
        label="Child's first name",
        max_length=100,
        required=False,
        help_text="Leave blank for an unborn child",
    )
    last_name = forms.CharField(
        label="Child's last name", max_length=100, error_messages={"required": "Enter the child's last name"}
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False, help_text="For example, 27 3 2015")
    expected_date_of_birth = GovukDateField(
        label="Expected date of birth, for an unborn child",
        required=False,
        allow_future=True,
        help_text="For example, 14 6 2027",
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=codes.Sex.choices,
        widget=forms.RadioSelect,
        initial=codes.Sex.UNKNOWN,
        error_messages={"required": "Select the child's sex"},
    )
    postcode = forms.CharField(label="Postcode where the child lives", max_length=8, required=False)
    summary = forms.CharField(
        label="What are you worried about?",
        help_text="What has happened, what you have seen or been told, and what the family knows about this contact.",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Enter what you are worried about"},
    )
    referrer_threshold = forms.TypedChoiceField(
        label="Which level of need do you think applies?",
        choices=m.ThresholdLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the level of need you think applies"},
    )

    def clean(self):
        data = super().clean()
        born, due = data.get("date_of_birth"), data.get("expected_date_of_birth")
        if not born and not due and "date_of_birth" not in self.errors:
            self.add_error(
                "date_of_birth",
                "Enter the child's date of birth, or the expected date of birth for an unborn child",
            )
        if born and due:
            self.add_error(
                "expected_date_of_birth", "Enter a date of birth or an expected date of birth, not both"
            )
        return data


class ContactDecisionForm(forms.Form):
    """The front door's decision on a contact, with the threshold level applied (F28, F31)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="What should happen?",
        choices=m.Contact.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what should happen"},
    )
    threshold_level = forms.TypedChoiceField(
        label="Which level of need applies?",
        choices=m.ThresholdLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the level of need that applies"},
    )
    primary_need = forms.ChoiceField(
        label="Primary need, for a referral",
        required=False,
        choices=[("", "Choose the primary need")]
        + [c for c in codes.PrimaryNeed.choices if c[0] not in ("N0", "N9")],
    )
    outcome_notes = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the reasons for the decision"},
    )
