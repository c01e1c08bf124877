"""Placement: recommend a grade and programmes for a learner entering a school system."""
