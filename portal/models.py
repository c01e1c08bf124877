"""Import every model module so that metadata and migrations see the whole schema."""

from portal.audit.models import AuditEntry
from portal.auth.models import ApiToken, User, UserSession
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyGradeRule,
    EquivalencyMarkRule,
    EquivalencySubjectMapping,
    EquivalencyTable,
    Grade,
    GradingScale,
    Programme,
    Source,
    Subject,
)
from portal.schools.models import Jurisdiction, School

__all__ = [
    "ApiToken",
    "AuditEntry",
    "EducationSystemVersion",
    "EquivalencyGradeRule",
    "EquivalencyMarkRule",
    "EquivalencySubjectMapping",
    "EquivalencyTable",
    "Grade",
    "GradingScale",
    "Jurisdiction",
    "Programme",
    "School",
    "Source",
    "Subject",
    "User",
    "UserSession",
]
