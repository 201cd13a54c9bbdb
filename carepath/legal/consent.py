"""What a section 20 consent record must hold (rules.md 4.3), as one pure function: the register,
the consent page and the timescales engine all ask it, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping

CAPACITY_OK = "has"


def consent_gaps(consent: Mapping) -> list[str]:
    """What is missing from one person's consent, in plain words (empty when the evidence is
    complete). `consent` maps Section20Consent field names (with `authorised_by_id`) to values."""
    gaps = []

    def missing(name: str, words: str) -> None:
        if not consent.get(name):
            gaps.append(words)

    missing("child_named", "The child is not named individually")
    missing("voluntary_explained", "Section 20, and that it is voluntary, were not explained")
    missing("right_to_object_explained", "The right to object (s20(7)) was not explained")
    missing(
        "right_to_remove_explained",
        "The right to remove the child at any time, without notice (s20(8)), was not explained",
    )
    missing("told_orally", "The information was not given orally")
    missing("told_in_writing", "The information was not given in writing")
    missing("told_before_accommodation", "The information was not given before the child was accommodated")
    capacity = consent.get("capacity") or ""
    if not capacity:
        gaps.append("No assessment of the person's capacity to consent")
    elif capacity != CAPACITY_OK:
        gaps.append("Capacity lacking or in doubt: the consent cannot be relied on")
    elif not (consent.get("capacity_assessed_by") or "").strip():
        gaps.append("The capacity assessment does not say who made it")
    missing("legal_advice_offered", "Legal advice was not offered")
    if consent.get("needs_translation") and not consent.get("translated_version_signed"):
        gaps.append("A translated agreement was needed but not signed")
    if not (consent.get("alternatives_considered") or "").strip():
        gaps.append("The alternatives considered (family, support at home, a court order) are not recorded")
    missing("signed_by_person", "Not signed by the person giving consent")
    missing("signed_by_social_worker", "Not signed by the social worker")
    missing("authorised_by_id", "Not authorised by a manager")
    if consent.get("withdrawn_at"):
        gaps.append("Consent has been withdrawn")
    return gaps
