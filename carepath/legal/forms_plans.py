"""The form that authorises a new version of a child's plan."""

from __future__ import annotations

import contextlib
from datetime import date

from django import forms
from django.utils import timezone

from carepath.core.govuk_forms import GovukDateField

# Blank rows offered beyond the actions already in the plan; and the most rows a form may carry.
SPARE_ACTION_ROWS = 3
MAX_ACTION_ROWS = 40


class PlanAuthoriseForm(forms.Form):
    expected_number = forms.IntegerField(widget=forms.HiddenInput)
    action_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ACTION_ROWS)
    decision = forms.ChoiceField(
        label="Which decision authorises this version?",
        widget=forms.RadioSelect,
        # Not required here: a form sent without a decision goes to the service, which refuses it and
        # keeps a note of the attempt (F04).
        required=False,
        error_messages={"invalid_choice": "Choose one of the decisions listed."},
    )
    decision_summary = forms.CharField(
        label="What was decided",
        help_text="In the decision-maker's words, as recorded at the meeting (or your own, for a manager's decision).",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what was decided, in the decision-maker's words."},
    )
    authorised_on = GovukDateField(label="Date the plan was authorised")
    summary = forms.CharField(
        label="What the plan is for",
        help_text="The outcome the plan aims at, for the child.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what the plan is for: the outcome it aims at."},
    )
    contingency = forms.CharField(
        label="Contingency or parallel plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    change_summary = forms.CharField(
        label="What has changed from the plan in force, and why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, decision_choices, rows: int, first_version: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = decision_choices
        self.first_version = first_version
        if first_version:
            del self.fields["change_summary"]
        if self.is_bound:
            with contextlib.suppress(TypeError, ValueError):
                rows = int(self.data.get("action_rows", rows))
        self.rows = max(1, min(rows, MAX_ACTION_ROWS))
        for i in range(1, self.rows + 1):
            self.fields[f"action_{i}_what"] = forms.CharField(
                label="What must happen", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"action_{i}_who"] = forms.CharField(label="Who will do it", required=False)
            self.fields[f"action_{i}_by_when"] = GovukDateField(
                label="By when", required=False, allow_future=True
            )

    @classmethod
    def initial_for(cls, plan, *, number: int) -> dict:
        """Pre-filled with the plan in force, so only what changes needs typing."""
        initial = {"expected_number": number, "authorised_on": timezone.localdate()}
        actions = plan.actions if plan else []
        initial["action_rows"] = max(len(actions) + SPARE_ACTION_ROWS, 5)
        if plan:
            initial["summary"] = plan.summary
            initial["contingency"] = plan.contingency
        for i, action in enumerate(actions, start=1):
            initial[f"action_{i}_what"] = action.get("what", "")
            initial[f"action_{i}_who"] = action.get("who", "")
            with contextlib.suppress(TypeError, ValueError):
                initial[f"action_{i}_by_when"] = date.fromisoformat(action.get("by_when", ""))
        return initial

    def action_fields(self):
        """Each action row's bound fields, for the template."""
        return [
            (i, self[f"action_{i}_what"], self[f"action_{i}_who"], self[f"action_{i}_by_when"])
            for i in range(1, self.rows + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        actions = []
        for i in range(1, self.rows + 1):
            what = (cleaned.get(f"action_{i}_what") or "").strip()
            who = (cleaned.get(f"action_{i}_who") or "").strip()
            by_when = cleaned.get(f"action_{i}_by_when")
            had_date_error = f"action_{i}_by_when" in self.errors
            if not (what or who or by_when or had_date_error):
                continue  # a blank row
            if not what:
                self.add_error(f"action_{i}_what", f"Action {i}: enter what must happen.")
            if not who:
                self.add_error(f"action_{i}_who", f"Action {i}: enter who will do it.")
            if not by_when and not had_date_error:
                self.add_error(f"action_{i}_by_when", f"Action {i}: enter the date it must be done by.")
            actions.append({"what": what, "who": who, "by_when": by_when.isoformat() if by_when else ""})
        if not actions and not any(name.startswith("action_") for name in self.errors):
            self.add_error(
                "action_1_what", "List at least one thing that must happen, with who will do it and by when."
            )
        cleaned["actions"] = actions
        return cleaned
