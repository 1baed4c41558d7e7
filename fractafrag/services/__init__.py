"""Domain logic: take ids and plain data, act in one transaction, return models."""

from typing import Any


class ServiceError(Exception):
    """A rule the caller broke; carries the HTTP status and the fields to fix."""

    status = 422

    def __init__(
        self,
        message: str,
        errors: dict[str, Any] | list[Any] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    """The thing does not exist, or the caller may not see it."""

    status = 404


class Conflict(ServiceError):
    """The request clashes with existing data (a taken username, say)."""

    status = 409


class Forbidden(ServiceError):
    """The caller is known but may not do this."""

    status = 403
