"""Equivalency tables: a ministry's versioned mapping from one system version to another.

A table is owned by the jurisdiction of its DESTINATION system and follows the shared
lifecycle of ``portal.versioning`` (declared in ``services/lifecycle.py``). Layers:

- ``domain/``   pure: rule inputs and conditions (``rules``), validation against the codes of two
  system versions (``validation``), differences between two versions' contents (``diff``)
- models: ``portal.curricula.models`` (``EquivalencyTable`` and its rule rows)
- ``services/`` ``content`` (rule rows, canonical content and hash), ``drafting`` (create and
  edit drafts, replace rules, queries), ``lifecycle`` (the kind's declaration), ``csv`` (CSV)
- ``messages.py``, ``forms.py`` (forms and the rules editor's rows), ``views.py`` (pages)
"""
