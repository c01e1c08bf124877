"""API: the account a token belongs to."""

from __future__ import annotations

from flask import Blueprint

from portal.api.fields import ResponseModel
from portal.api.operation import operation
from portal.api.tokens import api_user
from portal.auth.domain import Role

bp = Blueprint("auth", __name__)


class Me(ResponseModel):
    id: str
    email: str
    name: str
    role: Role
    school: str | None
    jurisdiction: str | None
    locale: str | None


@bp.get("/me")
@operation("getMe", tag="accounts", summary="The account the token belongs to", responses={200: Me})
def me():
    user = api_user()
    return {
        "id": user.public_id,
        "email": user.email,
        "name": user.display_name,
        "role": user.role,
        "school": user.school.public_id if user.school else None,
        "jurisdiction": user.jurisdiction.code if user.jurisdiction else None,
        "locale": user.locale,
    }
