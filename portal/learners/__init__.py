"""Learners: identity, prior studies, assessments, enrolments, transfers and family access."""
