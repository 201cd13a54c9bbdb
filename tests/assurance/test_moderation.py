"""Moderation (F18): the QA lead draws a reproducible share of a programme's completed audits and
gives each to a moderator independent of the case; the moderator grades blind, and only then sees
both sets of grades side by side."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.assurance.services import moderation as svc
from carepath.core.concurrency import EditConflict
from carepath.core.models import AccessEvent
from tests import factories as f
from tests.assurance import factories as af
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db


def qa_auditor(**kw):
    return f.UserFactory(role="qa_auditor", scope="audit_sample", **kw)


def qa_lead():
    return f.UserFactory(role="qa_lead")


def programme_with_audits(n: int, *, tool=None, auditor=None, share=20):
    """A programme with `n` completed audits, each of a child in one team (with a manager)."""
    tool = tool or af.audit_tool()
    team, manager, _head = af.team_with_managers()
    lead = qa_lead()
    programme = am.AuditProgramme.objects.create(
        name="November case audits",
        kind=am.AuditProgramme.Kind.MONTHLY,
        tool=tool,
        sample_size=n,
        random_seed=20261101,
        drawn_on=date.today() - timedelta(days=30),
        due_on=date.today() - timedelta(days=2),
        moderation_share=share,
        created_by=lead,
    )
    audits = []
    for _ in range(n):
        child, _worker = af.open_child(team=team)
        audits.append(completed_audit(child, tool=tool, auditor=auditor, programme=programme))
    return programme, audits, manager, lead


def stored():
    return (am.Moderation.objects.count(), am.ModeratedGrade.objects.count())


# ---------------------------------------------------------------------------------------------
# Drawing the sample
# ---------------------------------------------------------------------------------------------


def test_the_sample_is_the_programmes_share_of_completed_unmoderated_audits(db):
    programme, audits, _manager, lead = programme_with_audits(10, share=20)
    # Not waiting for moderation: one still in progress, one already moderated.
    in_progress = af.assigned_audit(audits[0].child, tool=programme.tool, programme=programme)
    already = audits[1]
    am.Moderation.objects.create(
        audit=already, moderator=qa_auditor(), assigned_on=date.today(), assigned_by=lead, due_on=date.today()
    )
    moderators = [qa_auditor(), qa_auditor()]
    made = svc.moderation_sample(actor=lead, programme=programme, moderators=moderators)
    assert len(made) == 2  # 20% of the 9 waiting, to the nearest audit
    drawn = {m.audit_id for m in made}
    assert in_progress.pk not in drawn and already.pk not in drawn
    assert {m.moderator_id for m in made} == {m.pk for m in moderators}  # shared out evenly
    assert all(m.assigned_by == lead and m.status == "assigned" for m in made)


def test_at_least_one_audit_is_drawn_and_the_draw_is_reproducible(db):
    programme, audits, _manager, lead = programme_with_audits(6)
    moderator = qa_auditor()

    def draw(**kw) -> set[int]:
        with transaction.atomic():
            made = {
                m.audit_id
                for m in svc.moderation_sample(actor=lead, programme=programme, moderators=[moderator], **kw)
            }
            transaction.set_rollback(True)
        return made

    assert len(draw(share=1)) == 1
    first = draw(share=50)
    assert len(first) == 3
    assert draw(share=50) == first  # the programme's own seed
    seeds = {frozenset(draw(share=50, seed=seed)) for seed in range(8)}
    assert len(seeds) > 1  # another seed draws other audits


def test_each_audit_goes_to_someone_independent_of_it(db):
    tool = af.audit_tool()
    auditor = qa_auditor()
    programme, audits, manager, lead = programme_with_audits(2, tool=tool, auditor=auditor, share=100)
    worker = audits[0].child.allocated_worker
    independent = qa_auditor()
    # The auditor, the children's social workers and their team manager all moderate audits
    # elsewhere, but not these.
    made = svc.moderation_sample(
        actor=lead, programme=programme, moderators=[auditor, worker, manager, independent]
    )
    assert [m.moderator for m in made] == [independent, independent]


def test_a_draw_with_nobody_independent_is_refused_and_saves_nothing(db):
    auditor = qa_auditor()
    programme, audits, manager, lead = programme_with_audits(3, auditor=auditor, share=100)
    with pytest.raises(ValidationError) as caught:
        svc.moderation_sample(actor=lead, programme=programme, moderators=[auditor, manager])
    message = caught.value.message_dict["moderators"][0]
    assert "Nobody you chose is independent" in message and audits[0].child.case_number in message
    assert stored() == (0, 0)


def test_only_the_qa_lead_draws_a_sample(db):
    programme, _audits, manager, _lead = programme_with_audits(2)
    for actor in (qa_auditor(), manager):
        with pytest.raises(PermissionDenied):
            svc.moderation_sample(actor=actor, programme=programme, moderators=[qa_auditor()])
    assert stored() == (0, 0)


def test_a_programme_with_nothing_waiting_is_refused(db):
    programme, audits, _manager, lead = programme_with_audits(0)
    with pytest.raises(ValidationError, match="waiting for moderation"):
        svc.moderation_sample(actor=lead, programme=programme, moderators=[qa_auditor()])


# ---------------------------------------------------------------------------------------------
# Assigning one audit
# ---------------------------------------------------------------------------------------------


def test_assigning_refuses_anyone_who_is_not_independent_saying_why(db):
    auditor = qa_auditor()
    _programme, [audit], manager, lead = programme_with_audits(1, auditor=auditor)
    worker = audit.child.allocated_worker
    practitioner = f.UserFactory(team=worker.team)
    audit.practitioner = practitioner
    audit.save()
    due = date.today() + timedelta(days=14)
    for person, reason in [
        (auditor, "is not independent of this audit: they carried out the audit"),
        (manager, "is not independent of this audit: they manage the child's social worker"),
        (worker, "Choose someone who conducts audits"),  # a social worker does not moderate at all
    ]:
        with pytest.raises(ValidationError) as caught:
            svc.moderation_assign(actor=lead, audit=audit, moderator=person, due_on=due)
        assert reason in caught.value.message_dict["moderator"][0]
    assert svc.conflicts_of_interest(worker, audit) == ["they are the child's allocated social worker"]
    assert svc.conflicts_of_interest(practitioner, audit) == [
        "they were the practitioner in the audit conversation"
    ]
    assert stored() == (0, 0)
    made = svc.moderation_assign(actor=lead, audit=audit, moderator=qa_auditor(), due_on=due)
    assert made.due_on == due
    with pytest.raises(ValidationError, match="already has a moderator"):
        svc.moderation_assign(actor=lead, audit=audit, moderator=qa_auditor(), due_on=due)


def test_an_audit_not_yet_completed_cannot_be_moderated(db):
    child, _worker = af.open_child()
    audit = af.assigned_audit(child)
    with pytest.raises(ValidationError, match="Only a completed audit"):
        svc.moderation_assign(actor=qa_lead(), audit=audit, moderator=qa_auditor(), due_on=date.today())


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------


def assigned(audit, moderator=None):
    return svc.moderation_assign(
        actor=qa_lead(),
        audit=audit,
        moderator=moderator or qa_auditor(),
        due_on=date.today() + timedelta(days=7),
    )


def all_domains(audit, grade="good"):
    return {d.pk: (grade, f"My reading of {d.title}") for d in audit.tool.domains.all()}


def test_only_the_assigned_moderator_grades_every_domain_on_the_tools_scale(db):
    _p, [audit], _m, _lead = programme_with_audits(1)
    moderation = assigned(audit)
    moderator = moderation.moderator
    with pytest.raises(PermissionDenied):
        svc.moderation_complete(
            actor=qa_auditor(),
            moderation=moderation,
            grades=all_domains(audit),
            overall_grade="good",
            summary="s",
        )
    grades = all_domains(audit)
    first, second, _third = audit.tool.domains.all()
    del grades[first.pk]
    grades[second.pk] = ("excellent", "")
    with pytest.raises(ValidationError) as caught:
        svc.moderation_complete(
            actor=moderator, moderation=moderation, grades=grades, overall_grade="fine", summary=""
        )
    errors = caught.value.message_dict
    assert errors[f"grade_{first.pk}"] == [f"Choose a grade for {first.title}"]
    assert errors[f"grade_{second.pk}"] == [f"Choose a grade for {second.title}"]
    assert set(errors) >= {"overall_grade", "summary"}
    assert stored() == (1, 0)
    with pytest.raises(EditConflict):
        svc.moderation_complete(
            actor=moderator,
            moderation=moderation,
            grades=all_domains(audit),
            overall_grade="good",
            summary="s",
            expected_version=moderation.version + 1,
        )
    svc.moderation_complete(
        actor=moderator,
        moderation=moderation,
        grades=all_domains(audit, "requires_improvement"),
        overall_grade="requires_improvement",
        summary="Plans drift.",
        expected_version=moderation.version,
    )
    moderation.refresh_from_db()
    assert (moderation.status, moderation.overall_grade, moderation.completed_on) == (
        "completed",
        "requires_improvement",
        date.today(),
    )
    assert sorted(moderation.grades.values_list("grade", flat=True)) == ["requires_improvement"] * 3
    with pytest.raises(ValidationError, match="You completed this moderation"):
        svc.moderation_complete(
            actor=moderator,
            moderation=moderation,
            grades=all_domains(audit),
            overall_grade="good",
            summary="s",
        )


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


def test_the_moderator_grades_blind_and_then_sees_both_side_by_side(client):
    child, _worker = af.open_child()
    audit = completed_audit(
        child,
        grade="outstanding",
        domain_grades={"The child's voice": "good"},
        evidence="Zephyrine evidence about visits",
        summary="Quillon summary of strengths",
    )
    am.QuestionAnswer.objects.create(
        audit=audit, question=audit.tool.domains.first().questions.first(), answer="Marzipan answer given"
    )
    moderation = assigned(audit)
    client.force_login(moderation.moderator)
    url = reverse("assurance:moderation", args=[moderation.pk])
    html = client.get(url).content.decode()
    # The form: the tool's domains and questions, the record link, and nothing of the first audit.
    assert "Moderate the audit of" in html and escape(child.full_name) in html
    assert "Safety and risk: question 1?" in html
    for secret in ("Zephyrine", "Quillon", "Marzipan", "Auditor&#x27;s grade", "data-first-grade"):
        assert secret not in html, secret
    assert " checked" not in html  # no grade chosen for the moderator, least of all the auditor's
    # Nor may the moderator find the first grades elsewhere: the audit's page, the child's tab.
    for other in (
        reverse("assurance:audit", args=[audit.pk]),
        reverse("assurance:child", args=[child.public_id]),
    ):
        response = client.get(other)
        assert response.status_code != 200 or "Zephyrine" not in response.content.decode(), other
    domains = list(audit.tool.domains.all())
    data = {"version": moderation.version, "overall_grade": "good", "summary": "Sound work, some drift."}
    data |= {f"grade_{d.pk}": "good" for d in domains}
    data[f"grade_{domains[0].pk}"] = "requires_improvement"
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()
    assert "Zephyrine evidence about visits: Safety and risk" in html
    assert "Quillon summary of strengths" in html and "Sound work, some drift." in html
    table = html[
        html.index('id="grades-compared"') : html.index("</table>", html.index('id="grades-compared"'))
    ]
    rows = table.split("<tr")[2:]
    assert "Safety and risk" in rows[0] and "data-first-grade>Outstanding<" in rows[0]
    assert "data-second-grade>Requires improvement<" in rows[0]
    assert "Disagree" in rows[0] and "the auditor graded higher, by two grades" in rows[0]
    assert "The child&#x27;s voice" in rows[1] and "Agree" in rows[1] and "Same grade" in rows[1]
    assert "Overall grade" in rows[3] and "the auditor graded higher, by one grade" in rows[3]


def test_a_moderation_form_with_missing_grades_keeps_what_was_typed(client):
    child, _worker = af.open_child()
    audit = completed_audit(child)
    moderation = assigned(audit)
    client.force_login(moderation.moderator)
    html = client.post(
        reverse("assurance:moderation", args=[moderation.pk]),
        {"version": moderation.version, "summary": "Half done"},
    ).content.decode()
    assert "There is a problem" in html or "govuk-error-summary" in html
    assert "Choose a grade for Safety and risk" in html and "Half done" in html
    assert am.Moderation.objects.get(pk=moderation.pk).status == "assigned"


def test_the_moderation_page_logs_a_read_and_is_closed_to_others(client):
    child, _worker = af.open_child()
    audit = completed_audit(child, evidence="Zephyrine evidence")
    moderation = assigned(audit)
    client.force_login(qa_auditor())  # another auditor: not theirs
    assert client.get(reverse("assurance:moderation", args=[moderation.pk])).status_code == 403
    lead = qa_lead()
    client.force_login(lead)  # the QA lead sees who and when, not the grades, until it is done
    html = client.get(reverse("assurance:moderation", args=[moderation.pk])).content.decode()
    assert str(moderation.moderator) in html or escape(str(moderation.moderator)) in html
    assert "Zephyrine" not in html
    assert AccessEvent.objects.filter(actor=lead, child=child, what="Moderation of a case audit").count() == 1


def test_my_moderations_lists_mine_to_do_first(client):
    child, _worker = af.open_child()
    mine = assigned(completed_audit(child))
    other_child, _w = af.open_child()
    other_child.last_name = "Zzyzxworth"
    other_child.save(update_fields=["last_name"])
    assigned(completed_audit(other_child))  # someone else's
    client.force_login(mine.moderator)
    html = client.get(reverse("assurance:moderations-mine")).content.decode()
    assert escape(child.full_name) in html and "Zzyzxworth" not in html
    assert reverse("assurance:moderation", args=[mine.pk]) in html
    assert AccessEvent.objects.filter(actor=mine.moderator, child=child).exists()


def test_the_qa_lead_draws_a_sample_on_its_page(client):
    programme, audits, _manager, lead = programme_with_audits(4, share=50)
    moderator = qa_auditor()
    client.force_login(lead)
    url = reverse("assurance:moderation-sample")
    assert client.get(f"{url}?programme={programme.pk}").status_code == 200
    due = date.today() + timedelta(days=21)
    response = client.post(
        url,
        {
            "programme": programme.pk,
            "share": "",
            "moderators": [moderator.pk],
            "due_on_0": due.day,
            "due_on_1": due.month,
            "due_on_2": due.year,
        },
    )
    assert response.status_code == 302
    assert am.Moderation.objects.filter(moderator=moderator, due_on=due).count() == 2
    html = client.get(response.url).content.decode()
    assert "2 audits sent for moderation" in html
    client.force_login(audits[0].child.allocated_worker)
    assert client.get(url).status_code == 403


def test_without_a_date_a_moderation_is_due_when_the_rules_table_says_an_audit_is(db):
    from carepath.timescales.models import Rule

    child, _worker = af.open_child()
    audit = completed_audit(child)
    made = svc.moderation_assign(actor=qa_lead(), audit=audit, moderator=qa_auditor())
    assert made.due_on == date.today() + timedelta(days=28)
    # The authority changes AUDIT-DUE: the next moderation follows it.
    Rule.objects.filter(rule_id="AUDIT-DUE").update(limit=14, version=2)
    other = completed_audit(af.open_child()[0])
    assert svc.moderation_assign(actor=qa_lead(), audit=other, moderator=qa_auditor()).due_on == (
        date.today() + timedelta(days=14)
    )
