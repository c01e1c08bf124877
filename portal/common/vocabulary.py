"""Shared vocabulary of the portal: one definition per concept, used by every feature."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class EvidenceLevel(IntEnum):
    """How well a study claim is documented (DOMAIN.md §6.2): E0 nothing known … E5 verified."""

    E0 = 0  # nothing known
    E1 = 1  # declaration by the child or guardian
    E2 = 2  # corroborated declaration
    E3 = 3  # non-state or unverified document
    E4 = 4  # original official document, not verified with the issuer
    E5 = 5  # verified official record or signed credential


class StudyStatus(StrEnum):
    """How a year of prior study ended."""

    COMPLETED = "completed"
    PARTIAL = "partial"
    PROMOTED_WITHOUT_EXAM = "promoted_without_exam"
    INTERRUPTED = "interrupted"
