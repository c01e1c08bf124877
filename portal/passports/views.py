"""Issuing, downloading, revoking and verifying learning passports; trust lists."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("passports", __name__)
