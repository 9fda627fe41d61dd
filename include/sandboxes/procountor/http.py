"""Small HTTP helpers shared by the route modules: JSON with Decimals, body parsing, schema-checked responses."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sandboxes.procountor import schema
from sandboxes.procountor.errors import ApiError, err


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 10**15 else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(body: Any) -> bytes:
    return json.dumps(body, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json", headers=headers)


def respond(request: Request, schema_name: str, body: Any, status: int = 200) -> Response:
    """A JSON response, checked against ``schema_name`` first (a mismatch is a sandbox bug: ResponseSchemaError)."""
    if request.app.state.sandbox.settings.validate_responses:
        # Validate the JSON as it goes on the wire (Decimals become numbers), not the Python objects.
        schema.check_response(schema_name, json.loads(dumps(body)))
    return json_response(body, status)


def error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"errors": errors}


async def read_json(request: Request, schema_name: str | None = None, optional: bool = False) -> Any:
    """Parse the body (floats as Decimal) and validate it against ``schema_name``; 400 in Procountor's shape."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return None
        raise ApiError(400, [err(None, "Request body is missing")])
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, [err(None, f"Malformed JSON: {str(exc)[:120]}")]) from exc
    if schema_name:
        errors = schema.schema_errors(schema_name, body)
        if errors:
            raise ApiError(400, errors)
    return body


def query_list(request: Request, name: str) -> list[str] | None:
    """Comma-separated (and/or repeated, also ``name[]``) multi-value query parameter."""
    values = request.query_params.getlist(name) + request.query_params.getlist(name + "[]")
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def query_int(request: Request, name: str, default: int | None = None, lo: int | None = None, hi: int | None = None):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, [err(name, f"Value of the '{name}' field is invalid: {raw!r}")]) from exc
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ApiError(400, [err(name, f"Value of the '{name}' field is invalid: must be between {lo} and {hi}")])
    return value


def page_meta(page: int, size: int, result_count: int, total: int) -> dict[str, int]:
    return {"pageNumber": page, "pageSize": size, "resultCount": result_count, "totalCount": total}


def paginate(
    items: list[Any], request: Request, key: str = "id", default_order: str = "ASC"
) -> tuple[list[Any], dict[str, int]]:
    """``size`` (1..200, default 50), ``page`` (default 0) and ``previousId`` (keyset: ids after it in the
    ``orderById`` direction) over ``items``, which the caller has already filtered and ordered. ``totalCount`` counts
    the filtered items before ``previousId`` and paging."""
    size = query_int(request, "size", 50, 1, 200)
    page = query_int(request, "page", 0, 0)
    previous = query_int(request, "previousId")
    total = len(items)
    if previous is not None:
        ascending = (request.query_params.get("orderById") or default_order).upper() == "ASC"
        items = [i for i in items if (i[key] > previous if ascending else i[key] < previous)]
    chunk = items[page * size : (page + 1) * size]
    return chunk, page_meta(page, size, len(chunk), total)
