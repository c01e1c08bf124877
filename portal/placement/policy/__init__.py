"""Placement policies: the engine's parameters for one destination system version.

Policies follow the shared lifecycle of ``portal.versioning`` (declared in
``services/lifecycle.py``): a published version is immutable, a change is a new draft version
that a second official of the same jurisdiction publishes, which retires the one it supersedes.
Layers:

- ``domain.py``  pure: the parameters read into the engine's ``PlacementPolicy``
- models: ``portal.placement.models`` (``PlacementPolicy``, ``AcceleratedProgramme``)
- ``services/``  ``content`` (engine adapters, canonical content and hash), ``lifecycle`` (the
  kind's declaration, editing a draft, queries), ``seed`` (loading the shipped policy files)
- ``messages.py``, ``forms.py`` (every parameter as a typed field), ``views.py`` (pages)
"""
