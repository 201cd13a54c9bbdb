"""Practice assurance records, one module per part: case audits and moderation (audits.py), and
supervision and management oversight (supervision.py)."""

from .audits import (
    AuditAction,
    AuditDomain,
    AuditEscalation,
    AuditProgramme,
    AuditQuestion,
    AuditTool,
    CalibrationFlag,
    CaseAudit,
    Cohort,
    DomainGrade,
    ModeratedGrade,
    Moderation,
    QuestionAnswer,
)
from .supervision import CaseDirection, DirectionAction, SupervisionEscalation, SupervisionSession

__all__ = [
    "AuditAction",
    "AuditDomain",
    "AuditEscalation",
    "AuditProgramme",
    "AuditQuestion",
    "AuditTool",
    "CalibrationFlag",
    "CaseAudit",
    "CaseDirection",
    "Cohort",
    "DirectionAction",
    "DomainGrade",
    "ModeratedGrade",
    "Moderation",
    "QuestionAnswer",
    "SupervisionEscalation",
    "SupervisionSession",
]
