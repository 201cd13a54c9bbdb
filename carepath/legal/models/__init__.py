"""The legal pathway's records, one module per part of it (design.md: `legal`).

A `LegalCase` is a child or a sibling group going through the pathway together (the SSD's
`plo_family_id`): the gateway panel considers it, pre-proceedings and care proceedings run for it,
and the children's own clocks and decisions stay per child.
"""

from .gateway import GatewayRequest, LegalCase, LegalCaseChild, PanelAction, PanelDecision, PanelMeeting
from .letters import LetterBeforeProceedings, LetterChange, LetterSupport, LetterTemplate, LocalSolicitor
from .permanence import PermanenceRecord
from .plans import AuthorisedPlan, PlanChangeRefused
from .police_protection import PoliceProtection, PoliceProtectionReview
from .pre_proceedings import PreProceedings, PreProceedingsMeeting
from .proceedings import ApplicationDocument, CareProceedings, Extension, Hearing, ProceedingsChild
from .section20 import Section20Consent, Section20Review, Section20ReviewCase

__all__ = [
    "ApplicationDocument",
    "AuthorisedPlan",
    "CareProceedings",
    "Extension",
    "GatewayRequest",
    "Hearing",
    "LegalCase",
    "LegalCaseChild",
    "LetterBeforeProceedings",
    "LetterChange",
    "LetterSupport",
    "LetterTemplate",
    "LocalSolicitor",
    "PanelAction",
    "PanelDecision",
    "PanelMeeting",
    "PermanenceRecord",
    "PlanChangeRefused",
    "PoliceProtection",
    "PoliceProtectionReview",
    "PreProceedings",
    "PreProceedingsMeeting",
    "ProceedingsChild",
    "Section20Consent",
    "Section20Review",
    "Section20ReviewCase",
]
