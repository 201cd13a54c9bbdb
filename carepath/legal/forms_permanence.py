"""The form for a child's permanence record (the checks across fields are the service's)."""

from __future__ import annotations

from django import forms

from carepath.core import codes
from carepath.core.govuk_forms import GovukDateField
from carepath.legal.models import PermanenceRecord

PLAN_CHOICES = [("", "Not yet decided"), *codes.PermanencePlan.choices]
CONSIDERED_CHOICES = [("", "Not yet considered"), *PermanenceRecord.Considered.choices]


class PermanenceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    plan = forms.ChoiceField(label="Permanence plan", choices=PLAN_CHOICES, required=False)
    plan_recorded_on = GovukDateField(label="Date the permanence plan was made", required=False)
    parallel_plan = forms.ChoiceField(
        label="Parallel (twin-track) plan",
        help_text="The realistic alternative route to permanence, planned for alongside the first.",
        choices=PLAN_CHOICES,
        required=False,
    )
    parallel_plan_recorded_on = GovukDateField(label="Date the parallel plan was made", required=False)
    early_permanence_considered_on = GovukDateField(
        label="Date Fostering for Adoption and concurrent planning were considered", required=False
    )
    fostering_for_adoption = forms.ChoiceField(
        label="Fostering for Adoption", choices=CONSIDERED_CHOICES, required=False, widget=forms.RadioSelect
    )
    concurrent_planning = forms.ChoiceField(
        label="Concurrent planning", choices=CONSIDERED_CHOICES, required=False, widget=forms.RadioSelect
    )
    consideration_notes = forms.CharField(
        label="Notes on the consideration",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    should_be_placed_for_adoption_on = GovukDateField(
        label="Agency decision maker's decision that the child should be placed for adoption", required=False
    )
    placement_order_on = GovukDateField(label="Placement order made", required=False)
    matched_on = GovukDateField(label="Matched with adopters", required=False)
    early_permanence_placement_on = GovukDateField(
        label="Early permanence placement (Fostering for Adoption or concurrent)", required=False
    )
    placed_for_adoption_on = GovukDateField(label="Placed for adoption", required=False)
    adoption_order_on = GovukDateField(label="Adoption order made", required=False)
    decision_reversed_on = GovukDateField(label="Decision to place for adoption reversed", required=False)
    decision_reversed_reason = forms.CharField(
        label="Why the decision was reversed", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, record: PermanenceRecord | None) -> dict:
        if record is None:
            return {"version": 0}
        initial = {name: getattr(record, name) for name in cls.base_fields if name != "version"}
        initial["version"] = record.version
        return initial
