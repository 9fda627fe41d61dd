"""Attachments: ``POST /api/attachments`` (multipart ``meta`` JSON + ``file``) and ``GET /api/attachments/{id}``
(multipart/mixed: the JSON metadata part, then the file part)."""

from __future__ import annotations

import json
import mimetypes
import secrets
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from sandboxes.procountor import schema
from sandboxes.procountor.errors import ApiError, bad_request, err
from sandboxes.procountor.http import dumps, respond
from sandboxes.procountor.rules import cp1252_errors

router = APIRouter()


async def _part_text(value: object) -> str:
    if isinstance(value, UploadFile):
        return (await value.read()).decode("utf-8")
    return str(value)


@router.post("/api/attachments")
async def post_attachment(request: Request) -> Response:
    sb = request.app.state.sandbox
    limit = sb.settings.max_attachment_bytes
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise bad_request(None, "Request must be multipart/form-data with parts 'meta' and 'file'")
    form = await request.form(max_part_size=limit + 1024 * 1024)
    try:
        meta_raw, upload = form.get("meta"), form.get("file")
        if meta_raw is None:
            raise ApiError(400, [err("meta", "Value of the 'meta' cannot be blank.")])
        if not isinstance(upload, UploadFile):
            raise ApiError(400, [err("file", "Value of the 'file' cannot be blank.")])
        try:
            meta = json.loads(await _part_text(meta_raw), parse_float=Decimal)
        except ValueError as exc:
            raise bad_request("meta", f"Malformed JSON: {str(exc)[:120]}") from exc
        errors = schema.schema_errors("Attachment", meta) + cp1252_errors(meta)
        if errors:
            raise ApiError(400, errors)
        data = await upload.read()
    finally:
        await form.close()
    if len(data) > limit:
        raise bad_request("file", "File size too big")
    if not meta.get("mimeType"):
        meta["mimeType"] = mimetypes.guess_type(meta["name"])[0] or "application/octet-stream"
    return respond(request, "Attachment", sb.state.add_attachment(meta, data))


@router.get("/api/attachments/{attachment_id}")
async def get_attachment(attachment_id: int, request: Request) -> Response:
    sb = request.app.state.sandbox
    meta, data = sb.state.get_attachment(attachment_id)
    if sb.settings.validate_responses:
        schema.check_response("Attachment", meta)
    boundary = secrets.token_hex(16)
    safe_name = meta["name"].replace('"', "")
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json\r\n"
            'Content-Disposition: form-data; name="meta"\r\n\r\n'.encode(),
            dumps(meta),
            f"\r\n--{boundary}\r\nContent-Type: {meta['mimeType']}\r\n"
            f'Content-Disposition: attachment; name="file"; filename="{safe_name}"\r\n\r\n'.encode("cp1252"),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return Response(body, media_type=f"multipart/mixed; boundary={boundary}")
