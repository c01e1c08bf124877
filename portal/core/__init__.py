"""Cross-cutting web concerns: security headers, CSRF, request ids, errors, templates."""
