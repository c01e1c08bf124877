"""API: learners, their studies and assessments."""
