"""Moved to :mod:`checker.redact` (a leaf every stage may import); kept so older imports keep working."""

from checker.redact import MASK, Redactor, is_credential_name

__all__ = ["MASK", "Redactor", "is_credential_name"]
