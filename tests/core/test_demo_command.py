"""`carepath demo` builds an authority into an empty database and prints working logins."""

import io
import re

import pytest
from django.core.management import call_command

from carepath.core.permissions import Role
from carepath.people.models import Child, User


def authenticate(*, username, password):
    user = User.objects.get(username=username)
    return user if user.check_password(password) else None


def run_demo(**options):
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_demo_generates_once_and_prints_a_working_login_for_every_role(restore_after_flush, transactional_db):
    output = run_demo(children=150, seed=3)
    password = re.search(r"password for this run is:\s+(\S+)", output).group(1)
    children = Child.objects.count()
    assert children >= 150
    usernames = re.findall(r"^\s{2}.+?\s{2,}(\S+)\s{2,}", output, flags=re.M)
    assert len(usernames) == len(Role) + 1  # one per role, and the front door team manager
    for username in usernames:
        assert authenticate(username=username, password=password) is not None, username

    # A second run reuses the authority and replaces the passwords.
    again = run_demo(children=150, seed=3)
    new_password = re.search(r"password for this run is:\s+(\S+)", again).group(1)
    assert Child.objects.count() == children
    assert new_password != password
    assert authenticate(username="social.worker", password=password) is None
    assert authenticate(username="social.worker", password=new_password) is not None
