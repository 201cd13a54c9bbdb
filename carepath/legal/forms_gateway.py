"""Forms for the legal gateway panel's pages. They check what a form can (required answers, dates);
the services check the rules (who, which children, the solicitor at the panel) and their errors
are put back on the same fields."""

from __future__ import annotations

from django import forms

from carepath.core import codes
from carepath.core.govuk_forms import (
    GovukDateField,
    StaffChoiceField,
    StaffMultipleChoiceField,
    checkbox_options,
)
from carepath.core.permissions import Role
from carepath.people.models import Child, Team, User

from .models import GatewayRequest
from .services.gateway import ChildDecision, decision_field

# Who a meeting's attendee list offers: the people who sit on or present to a legal gateway panel.
ATTENDEE_ROLES = [
    Role.LEGAL_PANEL_MEMBER,
    Role.HEAD_OF_SERVICE,
    Role.DIRECTOR,
    Role.SOLICITOR,
    Role.TEAM_MANAGER,
]
# Who can own an action: staff who work with children's records (the service checks the child).
STAFF_ROLES = [
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.HEAD_OF_SERVICE,
    Role.DIRECTOR,
    Role.LEGAL_PANEL_MEMBER,
    Role.SOLICITOR,
    Role.IRO,
    Role.QA_AUDITOR,
]


class ChildrenField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Child) -> str:
        if obj.date_of_birth:
            return f"{obj.full_name} (born {obj.date_of_birth:%-d %B %Y})"
        return f"{obj.full_name} (unborn, expected {obj.expected_date_of_birth:%-d %B %Y})"


def _text(label: str, help_text: str = "", *, required: bool = True, rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}"},
    )


def active_staff(roles=STAFF_ROLES):
    return (
        User.objects.filter(is_active=True, role__in=roles)
        .select_related("team")
        .order_by("last_name", "first_name")
    )


class GatewayRequestForm(forms.Form):
    children = ChildrenField(
        queryset=Child.objects.none(),
        label="Which children should the panel consider?",
        help_text="Brothers and sisters are considered together. Only children whose records you can open are listed.",
        error_messages={"required": "Choose at least one child"},
    )
    route = forms.ChoiceField(
        label="How is the case coming to the panel?",
        choices=GatewayRequest.Route.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether this is a manager's direction or a request for legal consultation"
        },
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        choices=GatewayRequest.Urgency.choices,
        widget=forms.RadioSelect,
        initial=GatewayRequest.Urgency.ROUTINE,
        error_messages={"required": "Say whether the request is routine or urgent"},
    )
    requested_on = GovukDateField(
        label="Date of the direction or request",
        help_text="The clock to the panel starts on this day. For example, 27 3 2026",
    )
    concerns = _text("The concerns", "What the local authority is worried about, and why now.")
    history = _text("The history", "The history of involvement with the family.")
    tried = _text("What has been tried", "What has been tried, and with what effect.")
    question = _text("What the panel is asked to decide", "Optional.", required=False, rows=3)

    def __init__(self, *args, child: Child, choices, **kwargs):
        kwargs.setdefault("initial", {"children": [child.pk], "urgency": GatewayRequest.Urgency.ROUTINE})
        super().__init__(*args, **kwargs)
        self.fields["children"].queryset = choices
        self.lead = child

    @property
    def children_options(self):
        return checkbox_options(self["children"])

    def chosen_children(self) -> list[Child]:
        """The page's child first, then the others oldest first: a new legal case keeps this order."""
        chosen = list(self.cleaned_data["children"])
        return sorted(
            chosen,
            key=lambda c: (c.pk != self.lead.pk, c.date_of_birth or c.expected_date_of_birth, c.pk),
        )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(VersionedForm):
    reason = forms.CharField(
        label="Why is the request withdrawn?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the request is withdrawn"},
    )


class PanelMeetingForm(forms.Form):
    held_on = GovukDateField(
        label="Date of the meeting",
        allow_future=True,
        help_text="A coming meeting can be added now, to put requests on its agenda. For example, 27 3 2026",
    )
    chair = StaffChoiceField(
        queryset=User.objects.none(),
        label="Chair",
        empty_label="Choose the chair",
        error_messages={"required": "Choose the chair"},
    )
    attendees = StaffMultipleChoiceField(
        queryset=User.objects.none(),
        label="Who attended?",
        required=False,
        help_text="Include the local authority solicitor: the panel's decisions need legal advice.",
    )
    other_attendees = _text(
        "Other attendees", "People who are not carepath users, with their role.", required=False, rows=3
    )
    minutes = _text(
        "Minutes",
        "What the panel discussed. Record decisions and actions separately.",
        required=False,
        rows=8,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = active_staff(
            [Role.LEGAL_PANEL_MEMBER, Role.HEAD_OF_SERVICE, Role.DIRECTOR]
        )
        self.fields["attendees"].queryset = active_staff(ATTENDEE_ROLES)

    @property
    def attendees_options(self):
        return checkbox_options(self["attendees"])


class AgendaForm(forms.Form):
    requests = forms.ModelMultipleChoiceField(
        queryset=GatewayRequest.objects.none(),
        label="Requests waiting for the panel",
        error_messages={"required": "Choose at least one request to put on the agenda"},
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["requests"].queryset = GatewayRequest.objects.filter(pk__in=[r.request.pk for r in rows])

    @property
    def request_options(self):
        checked = {str(v) for v in (self["requests"].value() or [])}
        return [
            {
                "value": str(r.request.pk),
                "row": r,
                "checked": str(r.request.pk) in checked,
                "id": "id_requests" if i == 0 else f"id_requests-{i + 1}",
            }
            for i, r in enumerate(self.rows)
        ]


class DecisionsForm(VersionedForm):
    """One decision for each child of the request, or the same decision for all of them."""

    same_for_all = forms.BooleanField(
        label="The panel made the same decision for every child", required=False
    )
    outcome_all = forms.ChoiceField(
        label="The panel's decision",
        choices=codes.LegalGatewayOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    rationale_all = _text("The panel's reasons", required=False)
    dissent_all = _text("Any dissent", "A member's disagreement, in their words.", required=False, rows=3)

    def __init__(self, *args, children: list[Child], **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[decision_field(child, "outcome")] = forms.ChoiceField(
                label=f"The panel's decision for {child.full_name}",
                choices=codes.LegalGatewayOutcome.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[decision_field(child, "rationale")] = _text(
                f"The panel's reasons for {child.full_name}", required=False
            )
            self.fields[decision_field(child, "dissent")] = _text(
                f"Any dissent about {child.full_name}",
                "A member's disagreement, in their words.",
                required=False,
                rows=3,
            )

    @property
    def child_fields(self):
        return [
            {
                "child": child,
                "outcome": self[decision_field(child, "outcome")],
                "rationale": self[decision_field(child, "rationale")],
                "dissent": self[decision_field(child, "dissent")],
            }
            for child in self.children
        ]

    def clean(self):
        data = super().clean()
        if data.get("same_for_all"):
            if not data.get("outcome_all"):
                self.add_error("outcome_all", "Choose the panel's decision")
            if not (data.get("rationale_all") or "").strip():
                self.add_error("rationale_all", "Give the panel's reasons")
            return data
        for child in self.children:
            if not data.get(decision_field(child, "outcome")):
                self.add_error(
                    decision_field(child, "outcome"), f"Choose the panel's decision for {child.full_name}"
                )
            if not (data.get(decision_field(child, "rationale")) or "").strip():
                self.add_error(
                    decision_field(child, "rationale"), f"Give the panel's reasons for {child.full_name}"
                )
        return data

    def decisions(self) -> list[ChildDecision]:
        data = self.cleaned_data
        if data.get("same_for_all"):
            return [
                ChildDecision(child, data["outcome_all"], data["rationale_all"], data.get("dissent_all", ""))
                for child in self.children
            ]
        return [
            ChildDecision(
                child,
                data[decision_field(child, "outcome")],
                data[decision_field(child, "rationale")],
                data.get(decision_field(child, "dissent"), ""),
            )
            for child in self.children
        ]


class PanelActionForm(forms.Form):
    action = _text("What must be done?", rows=3)
    owner = StaffChoiceField(
        queryset=User.objects.none(),
        label="Who owns it?",
        empty_label="Choose the owner",
        help_text="They must be able to open the child's record. Late actions are escalated to their manager.",
        error_messages={"required": "Choose who owns the action"},
    )
    due_on = GovukDateField(label="Due date", allow_future=True, help_text="For example, 27 3 2026")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_staff()


class ActionDoneForm(VersionedForm):
    done_on = GovukDateField(label="Date it was done", help_text="For example, 27 3 2026")
    note = _text("What was done", "Optional.", required=False, rows=3)


class SolicitorForm(VersionedForm):
    solicitor = StaffChoiceField(
        queryset=User.objects.none(),
        label="Solicitor",
        empty_label="Choose the solicitor",
        error_messages={"required": "Choose the solicitor"},
    )
    legal_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Legal team",
        required=False,
        empty_label="The solicitor's own team",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["solicitor"].queryset = active_staff([Role.SOLICITOR])
        self.fields["legal_team"].queryset = Team.objects.filter(kind=Team.Kind.LEGAL).order_by("name")


class TrackerFilterForm(forms.Form):
    owner = forms.ChoiceField(label="Owner", required=False)
    overdue = forms.BooleanField(label="Only overdue actions", required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Anyone")] + [(str(u.pk), str(u)) for u in owners]

    def owner_id(self) -> int | None:
        value = self.cleaned_data.get("owner") if self.is_valid() else None
        return int(value) if value else None

    def overdue_only(self) -> bool:
        return bool(self.cleaned_data.get("overdue")) if self.is_valid() else False


class WorkloadFilterForm(forms.Form):
    solicitor = forms.ChoiceField(label="Solicitor", required=False)
    legal_team = forms.ChoiceField(label="Legal team", required=False)

    def __init__(self, *args, solicitors, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["solicitor"].choices = [("", "Every solicitor")] + [
            (str(u.pk), str(u)) for u in solicitors
        ]
        self.fields["legal_team"].choices = [("", "Every legal team")] + [(str(t.pk), t.name) for t in teams]

    def chosen(self, name: str) -> int | None:
        value = self.cleaned_data.get(name) if self.is_valid() else None
        return int(value) if value else None
