"""Attachment content rules: which files may go with a Procountor invoice, judged by content, not by name.

Procountor takes gif, jpg/jpeg, pdf and txt, at most 10,000,000 bytes each. The file type is read from the first
bytes (magic numbers, ``puremagic``); a file whose bytes match no known signature and hold no NUL byte is text. A
file named ``.pdf`` that is really something else is refused as disguised; a real PNG named ``.png`` is refused as
a type Procountor does not take. The size is checked on the declared size first and again while the content
streams (``SizeGuard``), so an oversized file is never held in memory whole.

Policy: a refused attachment never holds its invoice. The invoice goes without it and the attachment is reported
with its code. With Google Drive on in Taimer, Taimer does not hold the files, so no attachment is moved and each
invoice carries the notice ``OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from taimer_procountor.errors import DocumentError
from taimer_procountor.taimer.models import Attachment, AttachmentStorage, CompanySettings

MAX_ATTACHMENT_BYTES = 10_000_000
HEAD_BYTES = 8192  # what check_attachment_head needs to see: enough for every signature and the text heuristic

TYPE_NOT_ALLOWED = "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED"
TYPE_DISGUISED = "OUTBOUND_ATTACHMENT_TYPE_DISGUISED"
TOO_LARGE = "OUTBOUND_ATTACHMENT_TOO_LARGE"
EMPTY = "OUTBOUND_ATTACHMENT_EMPTY"
NOT_MOVED_GOOGLE_DRIVE = "OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE"

# content type -> the file-name extensions that honestly name it
ALLOWED: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({".pdf"}),
    "image/jpeg": frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    "image/gif": frozenset({".gif"}),
    "text/plain": frozenset({".txt"}),
}
ALLOWED_EXTENSIONS = frozenset().union(*ALLOWED.values())


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say: a MIME type (``None``: nothing recognised) and an extension for people."""

    mime_type: str | None
    extension: str | None

    @property
    def allowed(self) -> bool:
        return self.mime_type in ALLOWED


def sniff(head: bytes) -> Sniffed:
    """The file type of content starting with ``head`` (magic bytes; text when no signature and no NUL byte)."""
    import puremagic  # only here: the DAG files import this package

    try:
        matches = puremagic.magic_string(head[:HEAD_BYTES])
    except puremagic.PureError:
        matches = []
    for match in matches:
        if match.mime_type in ALLOWED:
            return Sniffed(match.mime_type, match.extension)
    if matches:
        typed = next((m for m in matches if m.mime_type), matches[0])
        return Sniffed(typed.mime_type or None, typed.extension or None)
    if head and b"\x00" not in head[:HEAD_BYTES]:
        return Sniffed("text/plain", ".txt")
    return Sniffed(None, None)


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def check_attachment_size(name: str, size: int | None) -> DocumentError | None:
    """``OUTBOUND_ATTACHMENT_TOO_LARGE`` when ``size`` is over Procountor's limit (None: not known yet)."""
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        return DocumentError(
            TOO_LARGE, "attachments", f"{name}: {size} bytes, over {MAX_ATTACHMENT_BYTES}", {"attachment": name}
        )
    return None


def check_attachment_head(name: str, head: bytes, declared_size: int | None) -> DocumentError | None:
    """The refusal of an attachment named ``name`` whose content starts with ``head`` (at least the first
    ``HEAD_BYTES``, or the whole file when shorter), or None when it may go. ``declared_size``: the size Taimer
    states, checked against the limit (the stream is checked again by ``SizeGuard``)."""
    too_large = check_attachment_size(name, declared_size)
    if too_large is not None:
        return too_large
    if not head:
        return DocumentError(EMPTY, "attachments", f"{name}: no content", {"attachment": name})
    found = sniff(head)
    if found.allowed:
        return None
    what = found.extension or found.mime_type or "unknown content"
    context = {"attachment": name, "content": what}
    if _extension(name) in ALLOWED_EXTENSIONS:
        return DocumentError(
            TYPE_DISGUISED, "attachments", f"{name}: named {_extension(name)}, content {what}", context
        )
    return DocumentError(TYPE_NOT_ALLOWED, "attachments", f"{name}: content {what}", context)


class AttachmentRefusedError(Exception):
    """An attachment refused while streaming (``error`` says why, with its catalogue code)."""

    def __init__(self, error: DocumentError) -> None:
        super().__init__(f"{error.code}: {error.detail}")
        self.error = error

    @property
    def code(self) -> str:
        return self.error.code


class SizeGuard:
    """Wraps an iterator of content chunks; raises ``AttachmentRefusedError`` (``OUTBOUND_ATTACHMENT_TOO_LARGE``)
    as soon as more than ``limit`` bytes have passed, so an oversized file is refused without being read whole.
    ``size`` is the number of bytes passed so far."""

    def __init__(self, chunks: Iterable[bytes], name: str, limit: int = MAX_ATTACHMENT_BYTES) -> None:
        self._chunks = iter(chunks)
        self.name = name
        self.limit = limit
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._chunks)
        self.size += len(chunk)
        if self.size > self.limit:
            self.close()
            raise AttachmentRefusedError(
                DocumentError(
                    TOO_LARGE,
                    "attachments",
                    f"{self.name}: over {self.limit} bytes",
                    {"attachment": self.name},
                )
            )
        return chunk

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def read_attachment(name: str, declared_size: int | None, chunks: Iterable[bytes]) -> bytes:
    """The content of attachment ``name`` read from ``chunks`` (e.g. ``TaimerAdapter.iter_attachment_content``)
    under every content rule: the declared size first, the type once the first ``HEAD_BYTES`` are in (or the whole
    file, when shorter), the size again while streaming. Raises ``AttachmentRefusedError`` with the code; the
    iterator is closed either way. At most ``MAX_ATTACHMENT_BYTES`` (plus one chunk) are ever held."""
    early = check_attachment_size(name, declared_size)
    guard = SizeGuard(chunks, name)
    if early is not None:
        guard.close()
        raise AttachmentRefusedError(early)
    content = bytearray()
    judged = False
    try:
        for chunk in guard:
            content += chunk
            if not judged and len(content) >= HEAD_BYTES:
                judged = True
                _refuse_if(check_attachment_head(name, bytes(content[:HEAD_BYTES]), None))
        if not judged:
            _refuse_if(check_attachment_head(name, bytes(content), None))
    finally:
        guard.close()
    return bytes(content)


def _refuse_if(error: DocumentError | None) -> None:
    if error is not None:
        raise AttachmentRefusedError(error)


def google_drive_notice(attachments: Iterable[Attachment] = ()) -> DocumentError:
    """The notice that a document's attachments stay in Google Drive (not moved to Procountor)."""
    names = [a.name for a in attachments]
    detail = f"{len(names)} attachment(s) not moved: {', '.join(names)}" if names else "attachments are not moved"
    return DocumentError(NOT_MOVED_GOOGLE_DRIVE, "attachments", detail)


def attachments_to_move(
    attachments: Iterable[Attachment], company: CompanySettings
) -> tuple[tuple[Attachment, ...], tuple[DocumentError, ...]]:
    """The attachments to move to Procountor, and the notices for those that are not: with Google Drive on in
    Taimer none is moved (one notice per document, even when Taimer lists none, since Drive files are not
    listed); an attachment stored in Google Drive is not moved either. Size and content are the load's checks
    (``read_attachment``), made when the content is read."""
    attachments = list(attachments)
    if company.attachments_in_google_drive:
        return (), (google_drive_notice(attachments),)
    in_drive = [a for a in attachments if a.storage is AttachmentStorage.GOOGLE_DRIVE]
    moving = tuple(a for a in attachments if a.storage is not AttachmentStorage.GOOGLE_DRIVE)
    return moving, ((google_drive_notice(in_drive),) if in_drive else ())
