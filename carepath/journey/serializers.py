"""How the child's journey is written out by the API. Read-only except the two write serializers at
the end; the child is named by the URL, so no record repeats which child it belongs to."""

import inspect

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carepath.core import codes
from carepath.people import models as pm

from . import models as m

# ---------------------------------------------------------------------------------------------
# Code lists: one named schema component per list
# ---------------------------------------------------------------------------------------------


class CodeField(serializers.ChoiceField):
    """A field whose values come from a code list. The schema names the list ("PrimaryNeed",
    "CaseNoteKind") so that integrators see the DfE code list, and so that lists shared by several
    fields (a CP plan's initial and latest category) are one component, not one per field."""

    def __init__(self, *, code_list_name: str, may_be_blank: bool = False, **kwargs):
        self.code_list_name = code_list_name
        super().__init__(**kwargs)
        # DRF drops allow_blank from read-only fields, but a blank value can still be read out.
        self.may_be_blank = may_be_blank or self.allow_blank


class CodeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = CodeField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: CodeField = self.target
        values = list(field.choices)
        is_int = all(isinstance(v, int) for v in values)
        component = ResolvedComponent(
            name=field.code_list_name,
            type=ResolvedComponent.SCHEMA,
            object=field.code_list_name,
            schema={
                "type": "integer" if is_int else "string",
                "enum": values,
                "description": "\n".join(f"* `{value}`: {label}" for value, label in field.choices.items()),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.may_be_blank:
            # Blank means "not yet recorded"; kept out of the list so the list stays the DfE's.
            return {"oneOf": [component.ref, {"type": "string", "maxLength": 0}]}
        return component.ref


def _choices_classes(module_or_class):
    for name, value in vars(module_or_class).items():
        if inspect.isclass(value) and issubclass(value, models.Choices) and value is not models.Choices:
            yield name, value


def code_list_name(model: type[models.Model], model_field: models.Field) -> str:
    """The name of the code list a model field's choices come from: a list nested in the model
    (CaseNote.Kind -> CaseNoteKind) or a shared list (codes.PrimaryNeed -> PrimaryNeed)."""
    wanted = list(model_field.choices)
    for name, choices in _choices_classes(model):
        if list(choices.choices) == wanted:
            return f"{model.__name__}{name}"
    for module in (codes, m, pm):
        for name, choices in _choices_classes(module):
            if list(choices.choices) == wanted:
                return name
    return f"{model.__name__}{model_field.name.title().replace('_', '')}"


# Base for every record: output only, and each code-list field names its list.
class RecordSerializer(serializers.ModelSerializer):
    def get_extra_kwargs(self):
        # Output only: a client changes a record through the write serializers and services.
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is self.serializer_choice_field:
            kwargs["code_list_name"] = code_list_name(self.Meta.model, model_field)
            kwargs["may_be_blank"] = model_field.blank and isinstance(model_field, models.CharField)
            return CodeField, kwargs
        return field_class, kwargs


# ---------------------------------------------------------------------------------------------
# People: staff, teams, the child
# ---------------------------------------------------------------------------------------------


class StaffMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = pm.User
        fields = ["id", "name", "job_title"]


class TeamSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = pm.Team
        fields = ["id", "name", "service"]


class StaffName(serializers.StringRelatedField):
    """A member of staff, by name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


_DATED = ["recorded_at", "recorded_by", "version"]


# Every dated record says when it was recorded, and by whom, besides when the thing happened.
class DatedRecordSerializer(RecordSerializer):
    recorded_by = StaffName()


class ChildSummarySerializer(RecordSerializer):
    """What a caseload page shows, and no more: opening a child is a separate, logged read."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    allocated_worker = StaffName()

    class Meta:
        model = pm.Child
        fields = [
            "id",
            "case_number",
            "first_name",
            "last_name",
            "date_of_birth",
            "expected_date_of_birth",
            "status",
            "allocated_worker",
        ]


class ChildDetailSerializer(RecordSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    family = serializers.CharField(source="family.name", read_only=True, allow_null=True, default=None)
    disabilities = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="CIN census disability codes."
    )
    allocated_worker = StaffMemberSerializer(read_only=True, allow_null=True)
    allocated_team = TeamSerializer(read_only=True, allow_null=True)

    class Meta:
        model = pm.Child
        fields = [
            "id",
            "case_number",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "expected_date_of_birth",
            "date_of_death",
            "sex",
            "ethnicity",
            "disabilities",
            "upn",
            "nhs_number",
            "first_language",
            "postcode",
            "family",
            "is_restricted",
            "status",
            "allocated_worker",
            "allocated_team",
            "created_on",
            "version",
        ]


class RelatedPersonSerializer(RecordSerializer):
    class Meta:
        model = pm.RelatedPerson
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "postcode",
            "phone",
            "needs_interpreter",
            "language",
        ]


class RelationshipSerializer(DatedRecordSerializer):
    person = RelatedPersonSerializer(read_only=True)

    class Meta:
        model = pm.Relationship
        fields = ["id", "person", "kind", "has_parental_responsibility", "lives_with_child", *_DATED]


class ProfessionalInvolvementSerializer(DatedRecordSerializer):
    name = serializers.CharField(source="professional.name", read_only=True)
    job_title = serializers.CharField(source="professional.job_title", read_only=True)
    agency = serializers.CharField(source="professional.agency.name", read_only=True)
    email = serializers.CharField(source="professional.email", read_only=True)
    phone = serializers.CharField(source="professional.phone", read_only=True)

    class Meta:
        model = pm.ProfessionalInvolvement
        fields = ["id", "name", "job_title", "agency", "email", "phone", "started_on", "ended_on", *_DATED]


class AllocationSerializer(DatedRecordSerializer):
    worker = StaffMemberSerializer(read_only=True)
    team = TeamSerializer(read_only=True)

    class Meta:
        model = pm.Allocation
        fields = ["id", "kind", "worker", "team", "started_on", "ended_on", "end_reason", *_DATED]


# ---------------------------------------------------------------------------------------------
# The journey
# ---------------------------------------------------------------------------------------------


class ContactSerializer(DatedRecordSerializer):
    referrer = serializers.StringRelatedField(
        allow_null=True, help_text="The professional who made the contact."
    )
    referrer_user = StaffName(help_text="The partner-agency user who submitted it online, if they did.")
    decided_by = StaffName()

    class Meta:
        model = m.Contact
        fields = [
            "id",
            "received_at",
            "source",
            "referrer",
            "referrer_user",
            "summary",
            "referrer_threshold",
            "decided_at",
            "decided_by",
            "decision",
            "threshold_level",
            "outcome_notes",
            *_DATED,
        ]


class ReferralSerializer(DatedRecordSerializer):
    class Meta:
        model = m.Referral
        fields = [
            "id",
            "contact",
            "referral_date",
            "source",
            "primary_need",
            "nfa",
            "decided_at",
            "closure_date",
            "closure_reason",
            *_DATED,
        ]


class AssessmentSerializer(DatedRecordSerializer):
    authorised_by = StaffName()
    factors = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Factors identified (CIN census codes)."
    )

    class Meta:
        model = m.Assessment
        fields = [
            "id",
            "referral",
            "start_date",
            "child_seen_on",
            "completed_on",
            "authorised_on",
            "authorised_by",
            "outcome",
            "factors",
            "summary",
            "late_reason",
            *_DATED,
        ]


class StrategyDiscussionSerializer(DatedRecordSerializer):
    class Meta:
        model = m.StrategyDiscussion
        fields = ["id", "referral", "held_at", "attendees", "section_47_initiated", "rationale", *_DATED]


class Section47EnquirySerializer(DatedRecordSerializer):
    class Meta:
        model = m.Section47Enquiry
        fields = [
            "id",
            "referral",
            "strategy_discussion",
            "start_date",
            "end_date",
            "outcome",
            "icpc_not_required",
            *_DATED,
        ]


class ConferenceSerializer(DatedRecordSerializer):
    chair = StaffName()

    class Meta:
        model = m.ChildProtectionConference
        fields = [
            "id",
            "referral",
            "kind",
            "section_47",
            "held_on",
            "chair",
            "plan_required",
            "quorate",
            *_DATED,
        ]


class PlanActionSerializer(DatedRecordSerializer):
    class Meta:
        model = m.PlanAction
        fields = ["id", "outcome", "action", "owner", "due_on", "completed_on", *_DATED]


class PlanOutcomeSerializer(DatedRecordSerializer):
    class Meta:
        model = m.ChildProtectionPlanOutcome
        fields = ["id", "outcome", *_DATED]


class ChildProtectionPlanSerializer(DatedRecordSerializer):
    outcomes = PlanOutcomeSerializer(many=True, read_only=True)
    actions = PlanActionSerializer(
        many=True,
        read_only=True,
        help_text="Every action in the plan; `outcome` says which outcome it serves.",
    )

    class Meta:
        model = m.ChildProtectionPlan
        fields = [
            "id",
            "referral",
            "initial_conference",
            "start_date",
            "end_date",
            "initial_category",
            "latest_category",
            "visit_frequency_working_days",
            "outcomes",
            "actions",
            *_DATED,
        ]


class ChildInNeedPlanSerializer(DatedRecordSerializer):
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = m.ChildInNeedPlan
        fields = ["id", "referral", "start_date", "end_date", "actions", *_DATED]


class CoreGroupMeetingSerializer(DatedRecordSerializer):
    class Meta:
        model = m.CoreGroupMeeting
        fields = ["id", "plan", "held_on", "notes", *_DATED]


class WrittenAgreementSerializer(DatedRecordSerializer):
    agreed_with = serializers.StringRelatedField()

    class Meta:
        model = m.WrittenAgreement
        fields = [
            "id",
            "agreed_on",
            "agreed_with",
            "terms",
            "risk_at_the_time",
            "review_on",
            "ended_on",
            *_DATED,
        ]


class VisitSerializer(DatedRecordSerializer):
    visitor = StaffName(allow_null=False)

    class Meta:
        model = m.Visit
        fields = [
            "id",
            "visited_at",
            "kind",
            "visitor",
            "child_seen",
            "child_seen_alone",
            "bedroom_seen",
            "notes",
            *_DATED,
        ]


class CaseNoteSerializer(DatedRecordSerializer):
    author = StaffName(allow_null=False)

    class Meta:
        model = m.CaseNote
        fields = ["id", "happened_at", "kind", "subject", "text", "author", *_DATED]


class EarlyHelpEpisodeSerializer(DatedRecordSerializer):
    class Meta:
        model = m.EarlyHelpEpisode
        fields = [
            "id",
            "start_date",
            "end_date",
            "reason",
            "organisation",
            "stepped_down_from",
            "stepped_up_to",
            "end_reason",
            *_DATED,
        ]


class LookedAfterEpisodeSerializer(DatedRecordSerializer):
    class Meta:
        model = m.LookedAfterEpisode
        fields = [
            "id",
            "start_date",
            "reason_new_episode",
            "legal_status",
            "category_of_need",
            "placement_type",
            "placement_provider",
            "placement_postcode",
            "home_postcode",
            "provider_urn",
            "placement_change_reason",
            "end_date",
            "reason_ceased",
            "police_protection_started_at",
            *_DATED,
        ]


class LookedAfterReviewSerializer(DatedRecordSerializer):
    chaired_by = StaffName()

    class Meta:
        model = m.LookedAfterReview
        fields = ["id", "held_on", "participation", "chaired_by", *_DATED]


class MissingEpisodeSerializer(DatedRecordSerializer):
    class Meta:
        model = m.MissingEpisode
        fields = [
            "id",
            "kind",
            "started_on",
            "ended_on",
            "return_interview_offered",
            "return_interview_accepted",
            *_DATED,
        ]


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """Some events happen on a day (a conference), some at a time (a visit)."""

    def to_representation(self, value):
        return value.isoformat()


class TimelineEntrySerializer(serializers.Serializer):
    when = DateOrDateTimeField(read_only=True, help_text="An ISO 8601 date, or date and time.")
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    recording_lag_days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Days between the activity and its recording."
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)


# ---------------------------------------------------------------------------------------------
# Writes: what a client sends; the services decide the rest (author, visitor, recorded by)
# ---------------------------------------------------------------------------------------------


class CaseNoteInputSerializer(serializers.Serializer):
    happened_at = serializers.DateTimeField(
        help_text="When the activity took place (not when it was written up)."
    )
    kind = CodeField(
        code_list_name="CaseNoteKind", choices=m.CaseNote.Kind.choices, default=m.CaseNote.Kind.CASE_NOTE
    )
    subject = serializers.CharField(max_length=200)
    text = serializers.CharField()


class VisitInputSerializer(serializers.Serializer):
    visited_at = serializers.DateTimeField()
    kind = CodeField(code_list_name="VisitKind", choices=m.Visit.Kind.choices)
    child_seen = serializers.BooleanField()
    child_seen_alone = serializers.BooleanField(default=False)
    bedroom_seen = serializers.BooleanField(default=False)
    notes = serializers.CharField(allow_blank=True, default="")
