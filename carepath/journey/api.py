"""REST API over the child's journey, with the same permissions and access logging as the pages.

A child is addressed only by their opaque public identifier. Every endpoint about one child reads
the child through people.selectors.child_for_reading, which refuses (403) a child outside the
caller's scope and logs each allowed read as an access event on the API channel; nothing about the
child is touched before that. The list of children is scoped by children_visible_to and shows only
what a caseload page shows.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from carepath.core.models import Channel
from carepath.core.permissions import Function
from carepath.people.models import Child, ChildStatus
from carepath.people.selectors import child_for_reading, children_visible_to

from . import models as m
from . import serializers as s
from . import services
from .selectors import timeline_for

CHILD_ID = OpenApiParameter(
    "child_id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The child's public identifier: the `id` in the list of children.",
)
REFUSED = OpenApiResponse(description="Your role or scope does not allow this; nothing was read.")
NOT_FOUND = OpenApiResponse(description="No child has that identifier.")


class ChildList(generics.ListAPIView):
    """The children whose records you may open, as on a caseload page. Listing is not logged as a
    read of each child; opening one is."""

    required_function = Function.VIEW_CHILD_RECORD
    serializer_class = s.ChildSummarySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=ChildStatus.values,
                description="Only children with this status.",
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Child]:
        if getattr(self, "swagger_fake_view", False):
            return Child.objects.none()
        children = children_visible_to(self.request.user).select_related("allocated_worker")
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in ChildStatus.values:
                raise serializers.ValidationError(
                    {"status": [f"Choose one of: {', '.join(ChildStatus.values)}."]}
                )
            children = children.filter(status=wanted)
        return children.order_by("last_name", "first_name", "pk")


class ChildRecordView(generics.GenericAPIView):
    """Base of every endpoint about one child."""

    required_function = Function.VIEW_CHILD_RECORD
    # Which part of the record is read, as the access log and the record-access page show it.
    what = ""

    def child(self, to_use_for: str | None = None) -> Child:
        if not hasattr(self, "_child"):
            self._child, _ = child_for_reading(
                actor=self.request.user,
                public_id=self.kwargs["child_id"],
                what=f"API: {self.what}",
                channel=Channel.API,
                to_use_for=to_use_for,
            )
        return self._child


class ChildDetail(ChildRecordView, generics.RetrieveAPIView):
    """The child's details, status and allocated worker and team."""

    what = "child details"
    serializer_class = s.ChildDetailSerializer

    @extend_schema(
        parameters=[CHILD_ID], responses={200: s.ChildDetailSerializer, 403: REFUSED, 404: NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self) -> Child:
        return self.child()


class ChildRecordList(ChildRecordView, generics.ListAPIView):
    """Base of the lists of one kind of record about one child."""

    @extend_schema(parameters=[CHILD_ID])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    # Each list says which of the child's records it returns: records(child) -> QuerySet.
    records: Callable[[Child], QuerySet]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return self.records(self.child())


class Contacts(ChildRecordList):
    """Contacts to the front door about the child, newest first."""

    what = "contacts"
    serializer_class = s.ContactSerializer

    def records(self, child):
        return child.contacts.select_related("referrer__agency", "referrer_user", "decided_by", "recorded_by")


class Referrals(ChildRecordList):
    """Referrals to children's social care: each is a children-in-need episode (CIN census)."""

    what = "referrals"
    serializer_class = s.ReferralSerializer

    def records(self, child):
        return child.referrals.select_related("recorded_by")


class Assessments(ChildRecordList):
    """Child and family assessments."""

    what = "assessments"
    serializer_class = s.AssessmentSerializer

    def records(self, child):
        return child.assessments.select_related("authorised_by", "recorded_by")


class StrategyDiscussions(ChildRecordList):
    """Strategy discussions."""

    what = "strategy discussions"
    serializer_class = s.StrategyDiscussionSerializer

    def records(self, child):
        return child.strategy_discussions.select_related("recorded_by")


class Section47Enquiries(ChildRecordList):
    """Section 47 enquiries."""

    what = "section 47 enquiries"
    serializer_class = s.Section47EnquirySerializer

    def records(self, child):
        return child.section_47_enquiries.select_related("recorded_by")


class Conferences(ChildRecordList):
    """Initial and review child protection conferences."""

    what = "child protection conferences"
    serializer_class = s.ConferenceSerializer

    def records(self, child):
        return child.conferences.select_related("chair", "recorded_by")


class ChildProtectionPlans(ChildRecordList):
    """Child protection plans, each with its outcomes and actions."""

    what = "child protection plans"
    serializer_class = s.ChildProtectionPlanSerializer

    def records(self, child):
        return child.cp_plans.select_related("recorded_by").prefetch_related(
            Prefetch(
                "outcomes", m.ChildProtectionPlanOutcome.objects.select_related("recorded_by").order_by("pk")
            ),
            Prefetch("actions", m.PlanAction.objects.select_related("recorded_by").order_by("due_on", "pk")),
        )


class ChildInNeedPlans(ChildRecordList):
    """Child in need plans, each with its actions."""

    what = "child in need plans"
    serializer_class = s.ChildInNeedPlanSerializer

    def records(self, child):
        return child.cin_plans.select_related("recorded_by").prefetch_related(
            Prefetch("actions", m.PlanAction.objects.select_related("recorded_by").order_by("due_on", "pk")),
        )


class CoreGroups(ChildRecordList):
    """Core group meetings."""

    what = "core group meetings"
    serializer_class = s.CoreGroupMeetingSerializer

    def records(self, child):
        return child.core_groups.select_related("recorded_by")


class WrittenAgreements(ChildRecordList):
    """Written agreements with parents or carers, with the level of risk at the time."""

    what = "written agreements"
    serializer_class = s.WrittenAgreementSerializer

    def records(self, child):
        return child.written_agreements.select_related("agreed_with", "recorded_by").order_by(
            "-agreed_on", "pk"
        )


class ChildRecordCreate(ChildRecordList):
    """A list of records about one child that a caller may also add to (POST)."""

    input_serializer_class: type[serializers.Serializer]
    what_on_create = ""

    @property
    def required_function(self):
        # Reading needs only the right to see the record; adding to it needs the right to record.
        return Function.RECORD_CASEWORK if self.request.method == "POST" else Function.VIEW_CHILD_RECORD

    # The journey service that records one of these: called with actor, child and the fields.
    create_service: Callable[..., models.Model]

    def post(self, request, *args, **kwargs):
        self.what = self.what_on_create
        # The right to record is checked before the read is logged, so a reader who may not record
        # (for example by break-glass) is refused without an access event.
        child = self.child(to_use_for=Function.RECORD_CASEWORK)
        given = self.input_serializer_class(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            record = type(self).create_service(actor=request.user, child=child, **given.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return Response(self.serializer_class(record).data, status=status.HTTP_201_CREATED)


class Visits(ChildRecordCreate):
    """Visits to the child. POST records a visit made by the caller."""

    what = "visits"
    what_on_create = "record a visit"
    serializer_class = s.VisitSerializer
    input_serializer_class = s.VisitInputSerializer

    def records(self, child):
        return child.visits.select_related("visitor", "recorded_by")

    create_service = services.visit_create

    @extend_schema(
        parameters=[CHILD_ID],
        request=s.VisitInputSerializer,
        responses={
            201: s.VisitSerializer,
            400: OpenApiResponse(description="The visit is not valid; see the field errors."),
            403: REFUSED,
            404: NOT_FOUND,
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class CaseNotes(ChildRecordCreate):
    """Case notes, newest first. POST adds a case note written by the caller."""

    what = "case notes"
    what_on_create = "add a case note"
    serializer_class = s.CaseNoteSerializer
    input_serializer_class = s.CaseNoteInputSerializer

    def records(self, child):
        return child.case_notes.select_related("author", "recorded_by")

    create_service = services.case_note_create

    @extend_schema(
        parameters=[CHILD_ID],
        request=s.CaseNoteInputSerializer,
        responses={
            201: s.CaseNoteSerializer,
            400: OpenApiResponse(description="The note is not valid; see the field errors."),
            403: REFUSED,
            404: NOT_FOUND,
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class EarlyHelp(ChildRecordList):
    """Early help episodes, with step-up and step-down."""

    what = "early help"
    serializer_class = s.EarlyHelpEpisodeSerializer

    def records(self, child):
        return child.early_help_episodes.select_related("recorded_by")


class LookedAfterEpisodes(ChildRecordList):
    """Looked-after episodes, in the shape of the SSDA903 return."""

    what = "looked-after episodes"
    serializer_class = s.LookedAfterEpisodeSerializer

    def records(self, child):
        return child.looked_after_episodes.select_related("recorded_by")


class LookedAfterReviews(ChildRecordList):
    """Looked-after reviews."""

    what = "looked-after reviews"
    serializer_class = s.LookedAfterReviewSerializer

    def records(self, child):
        return child.looked_after_reviews.select_related("chaired_by", "recorded_by")


class MissingEpisodes(ChildRecordList):
    """Episodes of being missing or away from placement without authorisation."""

    what = "missing episodes"
    serializer_class = s.MissingEpisodeSerializer

    def records(self, child):
        return child.missing_episodes.select_related("recorded_by")


class Allocations(ChildRecordList):
    """Who has been allocated to the child, when, and why each allocation ended."""

    what = "allocation history"
    serializer_class = s.AllocationSerializer

    def records(self, child):
        return child.allocations.select_related("worker", "team__service", "recorded_by").order_by(
            "-started_on", "-pk"
        )


class Relationships(ChildRecordList):
    """The adults around the child: parents, relatives, carers. Brothers and sisters are children
    with records of their own, so they are not listed here."""

    what = "people around the child"
    serializer_class = s.RelationshipSerializer

    def records(self, child):
        return child.relationships.select_related("person", "recorded_by").order_by(
            "-has_parental_responsibility", "kind", "pk"
        )


class Professionals(ChildRecordList):
    """Partner-agency professionals involved with the child (school, GP, health visitor)."""

    what = "professionals involved"
    serializer_class = s.ProfessionalInvolvementSerializer

    def records(self, child):
        return child.professional_involvements.select_related("professional__agency", "recorded_by").order_by(
            "-started_on", "pk"
        )


class Timeline(ChildRecordList):
    """The child's journey from first contact, newest first: the same entries as the journey page."""

    what = "journey timeline"
    serializer_class = s.TimelineEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        return timeline_for(self.child())
