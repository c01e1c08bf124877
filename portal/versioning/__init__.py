"""One lifecycle for versioned documents: draft → review and publish (four eyes) → retire.

Equivalency tables and placement policies are two kinds of the same thing: a document owned by
one jurisdiction, kept as numbered versions of which at most one is a draft. A published
version is immutable; a change is a new draft version that a *second* official of the owning
authority reviews and publishes, which retires the version it supersedes.

Layers, left to right:

- ``domain.py``   statuses and the canonical content fingerprint (pure)
- ``models.py``   ``VersionedDocument``, the mixin with every lifecycle column, and its constraints
- ``services.py`` ``DocumentKind`` (what differs per kind) and the transitions, as one service
- ``messages.py`` the texts of the statuses and of the lifecycle's refusals
- ``forms.py``    the action form (a button carrying the version the official looked at)
- ``views.py``    ``LifecyclePages`` and the lifecycle routes: detail, publish, retire, new version

Templates: ``templates/versioning/_lifecycle.html`` (status badge, "review and publication" card,
the publication record and the versions table).

Adding a kind (e.g. certificate recognition lists): give the model ``VersionedDocument`` and
``lifecycle_constraints(<series column>)``, declare a ``DocumentKind`` next to its services,
declare its ``LifecyclePages`` in its views and call ``register_lifecycle_routes``, and make its
detail template call the macros of ``_lifecycle.html``. ``tests/integration/
test_versioning_contract.py`` then runs the whole lifecycle over it once it is added to ``KINDS``.
"""
