"""The service's domain errors; `app/http/problems.py` maps each to a problem+json type."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class FieldError(DomainError):
    """Input broke a rule; `field` names where (dotted path into the request body)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ValidationFailed(DomainError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.detail for e in errors))
        self.errors = errors


class NotFound(DomainError):
    """Unknown, deleted, or another account's: never say which."""


class IntegrationNotFound(NotFound):
    def __init__(self, detail: str = "integration not found") -> None:
        super().__init__(detail)


class SiteNotFound(NotFound):
    def __init__(self, detail: str = "site not found") -> None:
        super().__init__(detail)


class DuplicateIntegration(DomainError):
    pass


class Conflict(DomainError):
    pass


class SyncAlreadyRunning(Conflict):
    pass


class IntegrationInactive(Conflict):
    pass


class StaleVersion(DomainError):
    """The client's `If-Match` names a version that is no longer current."""


class Forbidden(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class InvalidSignature(Unauthenticated):
    pass


class NotSupported(DomainError):
    """The operation exists, but not for this platform."""
