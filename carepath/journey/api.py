"""REST API over the child's journey, with the same permissions and access logging as the pages."""

from rest_framework import generics, serializers

from carepath.core.models import Channel
from carepath.core.permissions import Function
from carepath.people.models import Child
from carepath.people.selectors import child_for_reading, children_visible_to


class ChildSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Child
        fields = ["id", "case_number", "first_name", "last_name", "date_of_birth", "expected_date_of_birth", "sex", "status"]


class ChildList(generics.ListAPIView):
    required_function = Function.VIEW_CHILD_RECORD
    serializer_class = ChildSummarySerializer

    def get_queryset(self):
        return children_visible_to(self.request.user).order_by("pk")


class ChildDetail(generics.RetrieveAPIView):
    required_function = Function.VIEW_CHILD_RECORD
    serializer_class = ChildSummarySerializer

    def get_object(self):
        child, _ = child_for_reading(actor=self.request.user, public_id=self.kwargs["child_id"], what="API: child",
                                     channel=Channel.API)
        return child
