"""Audit tools (F17): the shipped default tool, new versions as drafts, editing only a draft,
publishing (the previous version retired), a completed audit keeping its version; and the tool
pages."""

from datetime import date

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.urls import reverse

from carepath.assurance import models as am
from carepath.assurance.services import audits as svc
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db


def qa_lead():
    return f.UserFactory(role=Role.QA_LEAD)


def domains_of(tool):
    return [
        (d.title, d.guidance, [(q.text, q.guidance) for q in d.questions.all()])
        for d in tool.domains.prefetch_related("questions")
    ]


def edit(tool, actor, **changes):
    values = {
        "name": tool.name,
        "description": tool.description,
        "domains": [
            {"title": t, "guidance": g, "questions": [{"text": qt, "guidance": qg} for qt, qg in qs]}
            for t, g, qs in domains_of(tool)
        ],
        "expected_version": tool.version,
    }
    values.update(changes)
    return svc.tool_update_draft(actor=actor, tool=tool, **values)


# ---------------------------------------------------------------------------------------------
# The shipped tool
# ---------------------------------------------------------------------------------------------


def test_the_default_tool_is_loaded_once_as_published_version_one():
    tool = svc.tool_ensure_default()
    assert (tool.version_number, tool.status) == (1, am.AuditTool.Status.PUBLISHED)
    assert tool.published_at is not None
    titles = [d.title for d in tool.domains.all()]
    assert 6 <= len(titles) <= 7
    assert "Safety and risk" in titles and "Planning and progress (drift)" in titles
    for domain in tool.domains.prefetch_related("questions"):
        assert 2 <= domain.questions.count() <= 4
        assert domain.guidance
        assert all(q.guidance for q in domain.questions.all())
    assert tool.grade_codes() == ["outstanding", "good", "requires_improvement", "inadequate"]
    assert tool.escalates("inadequate") and not tool.is_at_least_good("requires_improvement")

    again = svc.tool_ensure_default()
    assert again.pk == tool.pk
    assert am.AuditTool.objects.filter(key=tool.key).count() == 1


def test_once_a_newer_version_is_published_ensure_default_returns_it_and_adds_nothing():
    lead = qa_lead()
    first = svc.tool_ensure_default()
    draft = svc.tool_new_version(actor=lead, tool=first)
    svc.tool_publish(actor=lead, tool=draft)
    assert svc.tool_ensure_default().pk == draft.pk
    assert am.AuditTool.objects.filter(key=first.key).count() == 2


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


def test_a_new_version_is_a_draft_copying_the_latest_versions_domains_and_questions():
    lead = qa_lead()
    tool = svc.tool_ensure_default()
    draft = svc.tool_new_version(actor=lead, tool=tool)
    assert (draft.key, draft.version_number, draft.status) == (tool.key, 2, am.AuditTool.Status.DRAFT)
    assert draft.created_by == lead
    assert domains_of(draft) == domains_of(tool)
    # Copies, not the same rows: changing the draft leaves version 1 alone.
    assert not set(draft.domains.values_list("pk", flat=True)) & set(
        tool.domains.values_list("pk", flat=True)
    )


def test_only_one_draft_of_a_tool_at_a_time():
    lead = qa_lead()
    tool = svc.tool_ensure_default()
    svc.tool_new_version(actor=lead, tool=tool)
    with pytest.raises(ValidationError) as refused:
        svc.tool_new_version(actor=lead, tool=tool)
    assert "already a draft" in refused.value.message_dict[NON_FIELD_ERRORS][0]


def test_only_the_qa_lead_changes_tools():
    tool = svc.tool_ensure_default()
    auditor = f.UserFactory(role=Role.QA_AUDITOR)
    with pytest.raises(PermissionDenied):
        svc.tool_new_version(actor=auditor, tool=tool)
    with pytest.raises(PermissionDenied):
        svc.tool_publish(actor=auditor, tool=af.audit_tool(published=False))


def test_editing_a_draft_replaces_its_domains_and_questions():
    lead = qa_lead()
    draft = svc.tool_new_version(actor=lead, tool=svc.tool_ensure_default())
    edit(
        draft,
        lead,
        name="Case audit 2027",
        domains=[
            {
                "title": "Education",
                "guidance": "Is the child in school?",
                "questions": [{"text": "Does the child have a school place?", "guidance": "Check the PEP."}],
            },
            {
                "title": "Health",
                "guidance": "",
                "questions": [{"text": "Is the health assessment up to date?"}],
            },
        ],
    )
    draft.refresh_from_db()
    assert draft.name == "Case audit 2027"
    assert draft.version == 2
    assert domains_of(draft) == [
        ("Education", "Is the child in school?", [("Does the child have a school place?", "Check the PEP.")]),
        ("Health", "", [("Is the health assessment up to date?", "")]),
    ]


def test_a_published_version_is_never_edited():
    lead = qa_lead()
    tool = svc.tool_ensure_default()
    before = domains_of(tool)
    with pytest.raises(ValidationError) as refused:
        edit(tool, lead, domains=[{"title": "Only one", "questions": [{"text": "Why?"}]}])
    assert "cannot be changed" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    assert domains_of(tool) == before


def test_a_draft_needs_a_name_domains_with_titles_and_questions():
    lead = qa_lead()
    draft = svc.tool_new_version(actor=lead, tool=svc.tool_ensure_default())
    with pytest.raises(ValidationError) as refused:
        edit(draft, lead, name=" ", domains=[{"title": "", "questions": []}])
    errors = refused.value.message_dict
    assert set(errors) == {"name", "domain_1_title", "domain_1_questions"}


def test_two_people_editing_one_draft_do_not_overwrite_each_other():
    lead = qa_lead()
    draft = svc.tool_new_version(actor=lead, tool=svc.tool_ensure_default())
    opened_at = draft.version
    edit(draft, lead, name="First save")
    stale = am.AuditTool.objects.get(pk=draft.pk)
    with pytest.raises(EditConflict):
        edit(stale, lead, name="Second save", expected_version=opened_at)
    assert am.AuditTool.objects.get(pk=draft.pk).name == "First save"


def test_publishing_retires_the_previous_version_and_a_completed_audit_keeps_its_version():
    lead = qa_lead()
    v1 = svc.tool_ensure_default()
    child, _worker = af.open_child()
    audit = af.assigned_audit(child, tool=v1)
    am.CaseAudit.objects.filter(pk=audit.pk).update(
        status=am.CaseAudit.Status.COMPLETED, completed_on=date.today(), overall_grade="good"
    )
    v1_domains = domains_of(v1)
    v2 = svc.tool_new_version(actor=lead, tool=v1)
    edit(v2, lead, domains=[{"title": "Just one domain", "questions": [{"text": "One question?"}]}])
    svc.tool_publish(actor=lead, tool=v2, expected_version=am.AuditTool.objects.get(pk=v2.pk).version)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == am.AuditTool.Status.RETIRED
    assert v2.status == am.AuditTool.Status.PUBLISHED and v2.published_at is not None
    audit.refresh_from_db()
    assert audit.tool_id == v1.pk
    assert domains_of(audit.tool) == v1_domains
    with pytest.raises(ValidationError):
        svc.tool_publish(actor=lead, tool=v2)  # already published


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_the_tool_page_shows_domains_questions_guidance_and_the_scale(client):
    tool = svc.tool_ensure_default()
    client.force_login(f.UserFactory(role=Role.QA_AUDITOR))
    html = client.get(reverse("assurance:tool", args=[tool.pk])).content.decode()
    assert "The child&#x27;s lived experience and voice" in html
    assert "Requires improvement" in html and "Escalates to the head of service" in html
    first_question = tool.domains.first().questions.first()
    assert first_question.text in html
    assert "Create a new version" not in html  # an auditor reads, the QA lead changes
    assert client.get(reverse("assurance:tools")).status_code == 200


def test_a_social_worker_cannot_see_audit_tools(client):
    client.force_login(f.UserFactory(role=Role.SOCIAL_WORKER))
    assert client.get(reverse("assurance:tools")).status_code == 403


def test_the_qa_lead_creates_edits_and_publishes_a_version_through_the_pages(client):
    lead = qa_lead()
    v1 = svc.tool_ensure_default()
    client.force_login(lead)
    response = client.post(reverse("assurance:tool-new-version", args=[v1.pk]))
    draft = am.AuditTool.objects.get(key=v1.key, version_number=2)
    assert response.url == reverse("assurance:tool-edit", args=[draft.pk])

    form_html = client.get(response.url).content.decode()
    assert "Domain 8" in form_html  # seven domains copied, plus an empty one to add
    data = {
        "version": draft.version,
        "domain_rows": 2,
        "name": "Case audit, shorter",
        "description": "",
        "domain_1_title": "Safety and risk",
        "domain_1_guidance": "Risk understood and acted on.",
        "domain_1_questions": "Is the child safe?\nLook at the last strategy discussion.\n\nIs risk analysed?",
        "domain_2_title": "",
        "domain_2_guidance": "",
        "domain_2_questions": "A question without a domain title",
    }
    refused = client.post(reverse("assurance:tool-edit", args=[draft.pk]), data)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Give domain 2 a title" in html
    assert "A question without a domain title" in html  # what was typed is kept
    data["domain_2_questions"] = ""
    saved = client.post(reverse("assurance:tool-edit", args=[draft.pk]), data)
    assert saved.status_code == 302
    assert domains_of(draft) == [
        (
            "Safety and risk",
            "Risk understood and acted on.",
            [("Is the child safe?", "Look at the last strategy discussion."), ("Is risk analysed?", "")],
        )
    ]
    draft.refresh_from_db()
    client.post(reverse("assurance:tool-publish", args=[draft.pk]), {"version": draft.version})
    draft.refresh_from_db()
    assert draft.status == am.AuditTool.Status.PUBLISHED
    # A published version's edit page sends you back to the tool.
    assert client.get(reverse("assurance:tool-edit", args=[draft.pk])).status_code == 302
