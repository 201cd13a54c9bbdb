"""The generator's contract: reproducible from a seed, refuses a database that already holds an
authority, and the `carepath generate` command around it."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from carepath.people import models as pm
from carepath.synth.generator import GenerationRefused, generate_authority
from carepath.synth.planted import read_planted
from tests import factories as f
from tests.synth import checks

TODAY = date(2025, 3, 31)


def generate_and_fingerprint(tmp_path, seed: int, name: str) -> tuple[str, bytes]:
    """Generate a small authority inside a savepoint, fingerprint it, and roll it back."""
    path = tmp_path / f"{name}.csv"
    sid = transaction.savepoint()
    generate_authority(children=150, seed=seed, today=TODAY, planted_path=path)
    digest = checks.canonical_digest()
    transaction.savepoint_rollback(sid)
    assert not pm.Child.objects.exists()
    return digest, path.read_bytes()


@pytest.mark.django_db
def test_same_seed_size_and_day_give_identical_data(tmp_path):
    first = generate_and_fingerprint(tmp_path, 5, "first")
    second = generate_and_fingerprint(tmp_path, 5, "second")
    other = generate_and_fingerprint(tmp_path, 6, "other")
    assert first == second
    assert other[0] != first[0]


@pytest.mark.django_db
def test_generates_the_number_of_children_asked_for(tmp_path):
    report = generate_authority(children=120, seed=3, today=TODAY)
    assert report.children == pm.Child.objects.count() == 120
    assert report.open_children == pm.Child.objects.exclude(status="closed").count() > 0
    assert (
        report.staff
        == pm.User.objects.filter(is_active=True).exclude(role__in=["partner_referrer", "inspector"]).count()
    )


@pytest.mark.django_db
def test_refuses_a_database_that_already_holds_children():
    f.ChildFactory()
    with pytest.raises(GenerationRefused, match="already holds 1 children"):
        generate_authority(children=50, seed=1, today=TODAY)
    assert pm.Child.objects.count() == 1


@pytest.mark.django_db
def test_refuses_when_demo_accounts_exist():
    f.UserFactory(username="social.worker")
    with pytest.raises(GenerationRefused, match="social.worker"):
        generate_authority(children=50, seed=1, today=TODAY)
    assert not pm.Child.objects.exists()


@pytest.mark.django_db
def test_planted_rates_can_be_switched_off_and_unknown_kinds_are_refused(tmp_path):
    path = tmp_path / "planted.json"
    generate_authority(
        children=150,
        seed=4,
        today=TODAY,
        planted_path=path,
        planted_rates={"backdated_recording": 0.0, "late_assessment": 0.0},
    )
    data = json.loads(path.read_text())
    kinds = {row["kind"] for row in data["failures"]}
    assert "backdated_recording" not in kinds and "late_assessment" not in kinds
    assert data["rates"]["late_assessment"] == 0.0
    assert checks.backdated_notes() == set()
    assert checks.late_assessments(TODAY, checks.calendar(TODAY)) == set()
    with pytest.raises(ValueError, match="late_visits"):
        generate_authority(children=10, seed=4, today=TODAY, planted_rates={"late_visits": 0.5})


@pytest.mark.django_db
def test_command_prints_a_summary_and_writes_the_planted_file(tmp_path):
    path = tmp_path / "planted.csv"
    out, err = StringIO(), StringIO()
    call_command("generate", children=100, seed=2, today=TODAY, planted=path, stdout=out, stderr=err)
    text = out.getvalue()
    assert "Children:          100" in text
    assert "social.worker" in text and "Planted failures:" in text
    rows = read_planted(path)
    assert rows and {"kind", "case_number", "record_type", "record_id", "start", "end", "description"} <= set(
        rows[0]
    )
    case_numbers = set(pm.Child.objects.values_list("case_number", flat=True))
    assert all(row["case_number"] in case_numbers for row in rows if row["case_number"])
    with pytest.raises(CommandError, match="already holds 100 children"):
        call_command("generate", children=100, seed=2, today=TODAY, stdout=StringIO(), stderr=StringIO())
