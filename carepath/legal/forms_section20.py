"""Forms for section 20 consent and the review of every section 20 case."""

from django import forms

from carepath.core.govuk_forms import GovukDateField, GovukDateTimeField

from .models import Section20Consent, Section20ReviewCase


class ConsentForm(forms.Form):
    """The consent record of one person with parental responsibility (rules.md 4.3). Every box
    left unticked is shown as missing evidence; the record can still be saved."""

    given_at = GovukDateTimeField(
        label="When was consent given?",
        help_text="For example, 27 3 2026 14 30",
        error_messages={"required": "Enter when consent was given"},
    )
    child_named = forms.BooleanField(label="The child is named individually in the consent", required=False)
    voluntary_explained = forms.BooleanField(
        label="Section 20 was given as the legal basis, and explained as voluntary", required=False
    )
    right_to_object_explained = forms.BooleanField(
        label="The right to object was explained (section 20(7))", required=False
    )
    right_to_remove_explained = forms.BooleanField(
        label="The right to remove the child at any time, without notice, was explained (section 20(8))",
        required=False,
    )
    told_orally = forms.BooleanField(label="The information was given orally", required=False)
    told_in_writing = forms.BooleanField(label="The information was given in writing", required=False)
    told_before_accommodation = forms.BooleanField(
        label="The information was given before the child was accommodated", required=False
    )
    capacity = forms.ChoiceField(
        label="Capacity to consent",
        help_text="Mental Capacity Act 2005 section 3. If capacity is lacking or in doubt, do not rely on consent.",
        choices=[("", "Not assessed yet"), *Section20Consent.Capacity.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    capacity_assessed_by = forms.CharField(label="Who assessed capacity", max_length=200, required=False)
    circumstances = forms.CharField(
        label="Circumstances bearing on fairness",
        help_text="For example, soon after birth, medication, distress, intoxication",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    legal_advice_offered = forms.BooleanField(label="Independent legal advice was offered", required=False)
    solicitor_involved = forms.BooleanField(label="A solicitor or advocate was involved", required=False)
    needs_translation = forms.BooleanField(
        label="The person needed the agreement translated or interpreted", required=False
    )
    translated_version_signed = forms.BooleanField(
        label="The person signed the translated version", required=False
    )
    alternatives_considered = forms.CharField(
        label="Alternatives considered",
        help_text="Family and connected people, support to keep the child at home, and why not a court order",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    signed_by_person = forms.BooleanField(label="Signed and dated by the person", required=False)
    signed_by_social_worker = forms.BooleanField(label="Signed by the social worker", required=False)


class NewConsentForm(ConsentForm):
    person = forms.ChoiceField(
        label="Whose consent is this?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person with parental responsibility who gave consent"},
    )

    field_order = ["person"]

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(str(p.pk), f"{p.first_name} {p.last_name}") for p in people]


class ChangeConsentForm(ConsentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    """A confirmation that carries the version the person saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawConsentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    withdrawn_at = GovukDateTimeField(
        label="When did the person object or ask for the child back?",
        help_text="For example, 27 3 2026 14 30",
        error_messages={"required": "Enter when consent was withdrawn"},
    )


class ReviewStartForm(forms.Form):
    title = forms.CharField(
        label="Title of the review",
        max_length=200,
        help_text="For example, Section 20 review, spring 2026",
        error_messages={"required": "Enter a title for the review"},
    )
    due_on = GovukDateField(
        label="When must it be finished?",
        allow_future=True,
        help_text="For example, 30 6 2026",
        error_messages={"required": "Enter when the review must be finished"},
    )


class ReviewCaseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    finding = forms.ChoiceField(
        label="Finding",
        choices=Section20ReviewCase.Finding.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the finding for this case"},
    )
    notes = forms.CharField(
        label="Notes",
        help_text="What you found and what must happen next, by whom. Needed unless section 20 remains appropriate.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
