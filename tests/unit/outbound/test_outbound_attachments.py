"""Attachment content rules: judged by the first bytes, not by the name; size by the declared size and again while
streaming (``SizeGuard``). Files are the seed generator's real synthetic files of every kind."""

from __future__ import annotations

import pytest

from sandboxes.seed.attachments import AttachmentKind, iter_blob, render_kind
from taimer_procountor.outbound.attachments import (
    HEAD_BYTES,
    MAX_ATTACHMENT_BYTES,
    AttachmentRefusedError,
    SizeGuard,
    attachments_to_move,
    check_attachment_head,
    google_drive_notice,
    read_attachment,
)
from taimer_procountor.taimer.models import Attachment, CompanySettings, SyntheticBlob


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (AttachmentKind.PDF, "lasku.pdf"),
        (AttachmentKind.JPEG, "kuitti.jpg"),
        (AttachmentKind.JPEG, "kuitti.jpeg"),
        (AttachmentKind.GIF, "logo.gif"),
        (AttachmentKind.TXT, "erittely.txt"),
        (AttachmentKind.TXT_UTF8, "erittely-utf8.txt"),
        (AttachmentKind.PDF, "named-wrong.txt"),  # content decides: a real PDF may go whatever its name
    ],
)
def test_allowed_content_passes(kind, name):
    head = render_kind(kind.value, seed=3, size=20_000)[:HEAD_BYTES]
    assert check_attachment_head(name, head, declared_size=20_000) is None


def test_a_png_is_a_type_procountor_does_not_take():
    error = check_attachment_head("kuva.png", render_kind("png", seed=1)[:HEAD_BYTES], declared_size=None)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED"
    assert error.context == {"attachment": "kuva.png", "content": ".png"}


@pytest.mark.parametrize("name", ["lasku.pdf", "kuitti.JPG", "selvitys.txt"])
def test_an_executable_named_as_an_allowed_type_is_disguised(name):
    error = check_attachment_head(name, render_kind("exe", seed=2, size=50_000)[:HEAD_BYTES], declared_size=50_000)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_TYPE_DISGUISED"
    assert error.field == "attachments" and name in error.detail


def test_an_executable_with_its_own_name_is_not_allowed():
    error = check_attachment_head("setup.exe", render_kind("exe", seed=2)[:HEAD_BYTES], declared_size=None)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED"


def test_binary_without_a_signature_is_not_text():
    error = check_attachment_head("data.txt", b"\x00\x01\x02\x03" * 100, declared_size=400)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_TYPE_DISGUISED"


def test_empty_content_is_refused():
    error = check_attachment_head("tyhja.pdf", b"", declared_size=0)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_EMPTY"


def test_declared_size_over_the_limit_is_refused_before_reading_on():
    head = render_kind("pdf", seed=1)[:HEAD_BYTES]
    assert check_attachment_head("iso.pdf", head, declared_size=MAX_ATTACHMENT_BYTES) is None  # the limit itself
    error = check_attachment_head("iso.pdf", head, declared_size=MAX_ATTACHMENT_BYTES + 1)
    assert error is not None and error.code == "OUTBOUND_ATTACHMENT_TOO_LARGE"


def test_size_guard_refuses_an_oversized_stream_while_it_streams():
    blob = SyntheticBlob(kind="oversized", size=10_485_760, seed=4)
    guard = SizeGuard(iter_blob(blob, chunk_size=1 << 20), "iso.pdf")
    seen = 0
    with pytest.raises(AttachmentRefusedError) as caught:
        for chunk in guard:
            seen += len(chunk)
    assert caught.value.code == "OUTBOUND_ATTACHMENT_TOO_LARGE"
    assert (
        seen <= MAX_ATTACHMENT_BYTES < guard.size <= MAX_ATTACHMENT_BYTES + (1 << 20)
    )  # stopped at the first chunk over


def test_size_guard_passes_a_file_at_the_limit_unchanged():
    data = render_kind("pdf", seed=5, size=300_000)
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    assert b"".join(SizeGuard(chunks, "ok.pdf")) == data


def test_google_drive_holds_back_every_attachment_with_one_notice():
    atts = [Attachment(id="a1", name="a.pdf", size=10), Attachment(id="a2", name="b.jpg", size=10)]
    company = CompanySettings(name="X", business_id="1234567-1", attachments_in_google_drive=True)
    moving, notices = attachments_to_move(atts, company)
    assert moving == ()
    assert [n.code for n in notices] == ["OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE"]
    assert notices[0].detail == "2 attachment(s) not moved: a.pdf, b.jpg"
    assert google_drive_notice().code == "OUTBOUND_ATTACHMENTS_NOT_MOVED_GOOGLE_DRIVE"
    company_taimer = company.model_copy(update={"attachments_in_google_drive": False})
    assert attachments_to_move(atts, company_taimer) == (tuple(atts), ())


def test_read_attachment_applies_every_rule_and_closes_the_stream():
    class Chunks:
        def __init__(self, data: bytes, size: int) -> None:
            self.parts = iter([data[i : i + size] for i in range(0, len(data), size)])
            self.closed = False

        def __iter__(self):
            return self

        def __next__(self) -> bytes:
            return next(self.parts)

        def close(self) -> None:
            self.closed = True

    pdf = render_kind("pdf", seed=2, size=40_000)
    small_chunks = Chunks(pdf, 1000)  # the type is judged once 8 KiB are in, not on the first small chunk
    assert read_attachment("a.pdf", len(pdf), small_chunks) == pdf and small_chunks.closed
    tiny = render_kind("gif", seed=1)
    assert read_attachment("t.gif", None, Chunks(tiny, 64)) == tiny  # shorter than the head: judged whole
    exe = Chunks(render_kind("exe", seed=1, size=50_000), 4096)
    with pytest.raises(AttachmentRefusedError) as caught:
        read_attachment("x.pdf", 50_000, exe)
    assert caught.value.code == "OUTBOUND_ATTACHMENT_TYPE_DISGUISED" and exe.closed
    declared = Chunks(pdf, 1000)
    with pytest.raises(AttachmentRefusedError) as caught:
        read_attachment("big.pdf", MAX_ATTACHMENT_BYTES + 1, declared)
    assert caught.value.code == "OUTBOUND_ATTACHMENT_TOO_LARGE" and declared.closed
    with pytest.raises(AttachmentRefusedError) as caught:
        read_attachment("empty.txt", 0, Chunks(b"", 10))
    assert caught.value.code == "OUTBOUND_ATTACHMENT_EMPTY"
    streamed = iter_blob(SyntheticBlob(kind="oversized", size=10_485_760, seed=4), chunk_size=1 << 20)
    with pytest.raises(AttachmentRefusedError) as caught:
        read_attachment("liar.pdf", 1000, streamed)  # declared small, streams big
    assert caught.value.code == "OUTBOUND_ATTACHMENT_TOO_LARGE"
