"""Set-up shared by the moderation, calibration and report tests (F18): completed audits made
directly with the models (the audit completion service is tested on its own), and moderations."""

from __future__ import annotations

from datetime import date, timedelta

from carepath.assurance import models as am
from tests import factories as f
from tests.assurance import factories as af


def completed_audit(
    child,
    *,
    on: date | None = None,
    grade: str = "good",
    domain_grades: dict | None = None,
    tool=None,
    auditor=None,
    programme=None,
    practitioner=None,
    evidence: str = "Evidence seen in the record",
    summary: str = "The auditor's summary",
) -> am.CaseAudit:
    """A completed audit graded `grade` overall and in every domain (except those named in
    `domain_grades`, by title), with evidence text naming the domain."""
    on = on or date.today() - timedelta(days=1)
    tool = tool or af.audit_tool()
    audit = af.assigned_audit(
        child, auditor=auditor, tool=tool, assigned_on=on - timedelta(days=10), programme=programme
    )
    audit.status = am.CaseAudit.Status.COMPLETED
    audit.completed_on = on
    audit.overall_grade = grade
    audit.summary = summary
    audit.practitioner = practitioner
    audit.save()
    for domain in tool.domains.all():
        am.DomainGrade.objects.create(
            audit=audit,
            domain=domain,
            grade=(domain_grades or {}).get(domain.title, grade),
            evidence=f"{evidence}: {domain.title}",
        )
    return audit


def moderated(
    audit, *, moderator=None, grade=None, domain_grades=None, on=None, assigned_by=None
) -> am.Moderation:
    """A completed moderation of `audit`, graded `grade` overall and in every domain (unless named
    in `domain_grades`), made directly."""
    moderator = moderator or f.UserFactory(role="qa_auditor", scope="audit_sample")
    on = on or audit.completed_on + timedelta(days=3)
    grade = grade or audit.overall_grade
    moderation = am.Moderation.objects.create(
        audit=audit,
        moderator=moderator,
        assigned_on=audit.completed_on,
        assigned_by=assigned_by or f.UserFactory(role="qa_lead"),
        due_on=audit.completed_on + timedelta(days=28),
        status=am.Moderation.Status.COMPLETED,
        overall_grade=grade,
        summary="The moderator's summary",
        completed_on=on,
    )
    for domain in audit.tool.domains.all():
        am.ModeratedGrade.objects.create(
            moderation=moderation, domain=domain, grade=(domain_grades or {}).get(domain.title, grade)
        )
    return moderation
