"""The sandbox's error type and Procountor's error bodies."""

from __future__ import annotations

from typing import Any

FORBIDDEN_MESSAGE = "Insufficient user rights or invalid invoice status"


class ApiError(Exception):
    """Answered as ``{"errors": [...]}`` with ``status``."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


def err(field: str | None, message: str, status: int = 400) -> dict[str, Any]:
    item: dict[str, Any] = {"status": status, "message": message}
    if field is not None:
        item["field"] = field
    return item


def bad_request(field: str | None, message: str) -> ApiError:
    return ApiError(400, [err(field, message)])


def forbidden(message: str = FORBIDDEN_MESSAGE) -> ApiError:
    return ApiError(403, [err(None, message, 403)])


def not_found(what: str) -> ApiError:
    return ApiError(404, [err(None, f"{what} not found", 404)])


def blank(field: str) -> dict[str, Any]:
    return err(field, f"Value of the '{field}' cannot be blank.")
