import pytest
from django.core.exceptions import ValidationError

from carepath.core import codes
from carepath.people import services
from carepath.people.models import Child


def test_unborn_child_with_a_sex_is_refused_in_plain_english(social_worker, allocated_child):
    with pytest.raises(ValidationError) as refused:
        services.child_details_update(
            actor=social_worker,
            child=allocated_child,
            expected_version=allocated_child.version,
            date_of_birth=None,
            expected_date_of_birth=allocated_child.date_of_birth,
        )
    assert "unborn child's sex is recorded as 'not known'" in refused.value.message_dict["sex"][0]
    stored = Child.objects.get(pk=allocated_child.pk)
    assert stored.date_of_birth is not None and stored.version == allocated_child.version


def test_unborn_child_recorded_with_sex_unknown_is_accepted(social_worker, allocated_child):
    due = allocated_child.date_of_birth
    services.child_details_update(
        actor=social_worker,
        child=allocated_child,
        expected_version=allocated_child.version,
        date_of_birth=None,
        expected_date_of_birth=due,
        sex=codes.Sex.UNKNOWN,
    )
    stored = Child.objects.get(pk=allocated_child.pk)
    assert stored.date_of_birth is None and stored.expected_date_of_birth == due and stored.version == 2
