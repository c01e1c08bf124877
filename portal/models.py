"""Import every model module so that metadata and migrations see the whole schema."""

from portal.audit.models import AuditEntry
from portal.auth.models import ApiToken, User, UserSession
from portal.schools.models import Jurisdiction, School

__all__ = ["ApiToken", "AuditEntry", "Jurisdiction", "School", "User", "UserSession"]
