"""``POST /api/oauth/token``: client credentials + API key in a form body (docs/sandbox-procountor.md,
"Authentication")."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandboxes.procountor.http import json_response, respond

router = APIRouter()
_CREDENTIAL_FIELDS = ("client_id", "client_secret", "api_key")


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


@router.post("/api/oauth/token")
async def token(request: Request) -> Response:
    sb = request.app.state.sandbox
    if any(name in request.query_params for name in _CREDENTIAL_FIELDS):
        return _oauth_error(400, "invalid_request", "Credentials must be sent in the form body, not in the URL")
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    client_id = form.get("client_id", "")
    request.state.client_id = client_id or None
    wait = sb.limiter.check(client_id or "anonymous")
    if wait:
        return sb.rate_limited_response(wait)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    known = sb.settings.credentials().get(client_id)
    if known is None or not hmac.compare_digest(form.get("client_secret", ""), known[0]):
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    if not hmac.compare_digest(form.get("api_key", ""), known[1]):
        return _oauth_error(400, "invalid_grant", "Invalid API key")
    ttl = sb.settings.token_ttl_seconds
    access = sb.tokens.issue(client_id, ttl)
    return respond(request, "own:TokenResponse", {"access_token": access, "token_type": "bearer", "expires_in": ttl})
