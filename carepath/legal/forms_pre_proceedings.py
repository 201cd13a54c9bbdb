"""Forms for PLO pre-proceedings. The services make the rules; these only collect what was typed."""

from django import forms

from carepath.core import codes
from carepath.core.govuk_forms import GovukDateField

from .models import PreProceedingsMeeting
from .services.pre_proceedings import FgdmStatus

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, *, help_text: str = "", required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        help_text=help_text,
        error_messages={"required": required_message},
    )


def as_yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label="Which meeting was it?",
        choices=PreProceedingsMeeting.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether this was the initial meeting or a review meeting"},
    )
    held_on = GovukDateField(
        label="Date of the meeting",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the meeting"},
    )
    effective = yes_no(
        "Did the meeting go ahead?",
        help_text="Answer no if it was cancelled, or the parents and their solicitors could not take part.",
        required_message="Select whether the meeting went ahead",
    )
    parents_attended = yes_no(
        "Did the parents attend?", required_message="Select whether the parents attended"
    )
    parents_solicitor_attended = yes_no(
        "Did the parents' solicitor attend?",
        required_message="Select whether the parents' solicitor attended",
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was agreed: the plan, the assessments, the date of the next review.",
    )


class FgdmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label="Has a family group decision-making meeting been offered?",
        choices=[
            (FgdmStatus.OFFERED, "Yes, it has been offered"),
            (FgdmStatus.NOT_IN_BEST_INTERESTS, "No: a meeting would not be in the child's best interests"),
            (FgdmStatus.NOT_YET, "Not yet"),
        ],
        widget=forms.RadioSelect,
        help_text="Children Act 1989 s31ZA: the offer must be made before an application to court, in the letter before proceedings.",
        error_messages={"required": "Select whether a meeting has been offered"},
    )
    offered_on = GovukDateField(
        label="Date of the offer", required=False, help_text="Usually the day the letter was sent"
    )
    not_offered_reason = forms.CharField(
        label="Why would a meeting not be in the child's best interests?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    accepted = forms.TypedChoiceField(
        label="Did anyone accept the offer?",
        choices=[("yes", "Yes"), ("no", "No, it was declined"), ("", "No answer yet")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    held_on = GovukDateField(
        label="Date the meeting was held", required=False, help_text="Leave blank if not held yet"
    )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == FgdmStatus.OFFERED and not data.get("offered_on") and "offered_on" not in self.errors:
            self.add_error("offered_on", "Enter the date of the offer")
        if status == FgdmStatus.NOT_IN_BEST_INTERESTS and not (data.get("not_offered_reason") or "").strip():
            self.add_error(
                "not_offered_reason", "Enter why a meeting would not be in the child's best interests"
            )
        return data

    def service_arguments(self) -> dict:
        """What the service takes: the answers that apply to the status chosen, and no others."""
        data = self.cleaned_data
        status = data["status"]
        offered = status == FgdmStatus.OFFERED
        return {
            "expected_version": data["version"],
            "offered_on": data.get("offered_on") if offered else None,
            "not_offered_reason": data.get("not_offered_reason", "")
            if status == FgdmStatus.NOT_IN_BEST_INTERESTS
            else "",
            "accepted": data.get("accepted") if offered else None,
            "held_on": data.get("held_on") if offered else None,
        }

    @classmethod
    def initial_for(cls, pp) -> dict:
        if pp.fgdm_offered_on:
            status = FgdmStatus.OFFERED
        elif pp.fgdm_not_offered_reason:
            status = FgdmStatus.NOT_IN_BEST_INTERESTS
        else:
            status = FgdmStatus.NOT_YET
        return {
            "version": pp.version,
            "status": status,
            "offered_on": pp.fgdm_offered_on,
            "not_offered_reason": pp.fgdm_not_offered_reason,
            "accepted": as_yes_no(pp.fgdm_accepted) or "",
            "held_on": pp.fgdm_held_on,
        }


class LegalRepresentationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    parents_legal_representation = forms.ChoiceField(
        label="Do the parents have a solicitor?",
        choices=codes.YesNoUnknown.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the parents have a solicitor"},
    )


class StepDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decided_on = GovukDateField(
        label="Date of the decision",
        help_text="The day of the legal planning meeting or panel that decided. For example, 27 3 2026",
        error_messages={"required": "Enter the date of the decision"},
    )
    outcome = forms.ChoiceField(
        label="What was decided?",
        choices=codes.PreProceedingsOutcome.choices,
        widget=forms.RadioSelect,
        help_text="A decision to issue opens care proceedings for every child in the family, ready to prepare the application.",
        error_messages={"required": "Select the decision"},
    )
    outcome_reason = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the reasons for the decision"},
    )
