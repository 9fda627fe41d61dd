"""Attachment files made in code: magic bytes, structural validity (parsed/decoded here), exact sizes, streaming."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib

import pytest

from sandboxes.seed.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentKind,
    blob_size,
    extension_for,
    iter_blob,
    render_blob,
    render_kind,
    sniff_kind,
)
from taimer_procountor.taimer.models import InlineBlob, SyntheticBlob

MAGIC = {
    "pdf": b"%PDF-",
    "jpeg": b"\xff\xd8\xff",
    "gif": b"GIF89a",
    "png": b"\x89PNG\r\n\x1a\n",
    "txt": b"Kuitti",
    "txt_utf8": b"Kuitti",
    "exe": b"MZ",
    "oversized": b"%PDF-",
}
SMALL_KINDS = [k for k in AttachmentKind if k is not AttachmentKind.OVERSIZED]


# --------------------------------------------------------------------------------------------------- format checkers


def check_pdf(data: bytes) -> int:
    """Parse the xref table: every offset points at its object, stream lengths match; returns the object count."""
    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    assert data[startxref : startxref + 5] == b"xref\n"
    header = re.match(rb"xref\n0 (\d+)\n", data[startxref:])
    count = int(header.group(1))
    table = data[startxref + header.end() :]
    for number in range(1, count):
        entry = table[number * 20 : number * 20 + 20]
        assert entry.endswith(b" n \n"), entry
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", data):
        length = int(match.group(1))
        end = match.end() + length
        assert data[end:].lstrip(b"\n").startswith(b"endstream"), "stream length wrong"
    assert b"/Type /Catalog" in data and b"trailer\n<< /Size %d /Root 1 0 R >>" % count in data
    return count


def _huffman(bits: bytes, vals: bytes) -> dict[tuple[int, int], int]:
    table, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            table[(code, length)] = vals[k]
            code, k = code + 1, k + 1
        code <<= 1
    return table


def decode_jpeg(data: bytes) -> tuple[int, int, list[int]]:
    """Walk the segments of a baseline greyscale JPEG and decode its DC-only scan to 8x8 block grey levels."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    pos, tables, quant, dims, seen = 2, {}, None, None, []
    while True:
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        payload = data[pos + 4 : pos + 2 + length]
        seen.append(marker)
        if marker == 0xDB:
            quant = payload[1:65]
        elif marker == 0xC0:
            precision, height, width, ncomp = struct.unpack(">BHHB", payload[:6])
            assert precision == 8 and ncomp == 1
            dims = (width, height)
        elif marker == 0xC4:
            tables[payload[0]] = _huffman(payload[1:17], payload[17:])
        pos += 2 + length
        if marker == 0xDA:
            break
    assert seen[0] == 0xE0 and {0xDB, 0xC0, 0xC4, 0xFE} <= set(seen)
    scan = data[pos:-2].replace(b"\xff\x00", b"\xff")
    bits = "".join(f"{b:08b}" for b in scan)
    i = 0

    def symbol(table: dict[tuple[int, int], int]) -> int:
        nonlocal i
        code = 0
        for length in range(1, 17):
            code = (code << 1) | int(bits[i])
            i += 1
            if (code, length) in table:
                return table[(code, length)]
        raise AssertionError("bad Huffman code")

    width, height = dims
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    greys, dc = [], 0
    for _ in range(blocks):
        category = symbol(tables[0x00])
        diff = 0
        if category:
            raw = int(bits[i : i + category], 2)
            i += category
            diff = raw if raw >= 1 << (category - 1) else raw - (1 << category) + 1
        dc += diff
        assert symbol(tables[0x10]) == 0x00  # EOB: DC-only block
        greys.append(dc * quant[0] // 8 + 128)
    assert set(bits[i:]) <= {"1"} and len(bits) - i < 8, "trailing scan data"
    return width, height, greys


def decode_gif(data: bytes) -> tuple[int, int, bytes]:
    """Parse a GIF89a and LZW-decode its image (a general decoder, not only literal codes)."""
    assert data[:6] == b"GIF89a" and data[-1:] == b"\x3b"
    width, height, packed = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    while data[pos] == 0x21:  # extensions
        pos += 2
        while data[pos]:
            pos += 1 + data[pos]
        pos += 1
    assert data[pos] == 0x2C
    pos += 10
    min_size = data[pos]
    pos += 1
    stream = bytearray()
    while data[pos]:
        stream += data[pos + 1 : pos + 1 + data[pos]]
        pos += 1 + data[pos]
    assert data[pos + 1 :] == b"\x3b"
    clear, eoi = 1 << min_size, (1 << min_size) + 1
    width_bits, table, prev, out, acc, nbits, p = min_size + 1, None, None, bytearray(), 0, 0, 0

    def reset() -> list[bytes]:
        return [bytes([c]) for c in range(clear)] + [b"", b""]

    table = reset()
    while True:
        while nbits < width_bits:
            acc |= stream[p] << nbits
            p += 1
            nbits += 8
        code = acc & ((1 << width_bits) - 1)
        acc >>= width_bits
        nbits -= width_bits
        if code == clear:
            table, width_bits, prev = reset(), min_size + 1, None
            continue
        if code == eoi:
            break
        if prev is None:
            entry = table[code]
        else:
            entry = table[code] if code < len(table) else prev + prev[:1]
            table.append(prev + entry[:1])
            if len(table) == 1 << width_bits and width_bits < 12:
                width_bits += 1
        out += entry
        prev = entry
    return width, height, bytes(out)


def check_png(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append(kind)
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and b"IDAT" in chunks
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + 3 * width)
    return width, height


# --------------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("kind", list(AttachmentKind))
def test_seed_attachment_magic_and_sniffing(kind: AttachmentKind) -> None:
    data = render_kind(kind, seed=3)
    assert data.startswith(MAGIC[kind.value])
    expected = {"txt_utf8": "txt", "oversized": "pdf"}.get(kind.value, kind.value)
    assert sniff_kind(data) == expected


@pytest.mark.parametrize("kind", SMALL_KINDS)
@pytest.mark.parametrize("size", [None, 1_000, 4_097, 65_600, 300_000])
def test_seed_attachment_exact_size_and_still_valid(kind: AttachmentKind, size: int | None) -> None:
    data = render_kind(kind, seed=11, size=size)
    natural = len(render_kind(kind, seed=11))
    if size is not None and size >= natural:
        assert len(data) == size
    if kind is AttachmentKind.PDF:
        assert check_pdf(data) == 7  # objects 0..6
    elif kind is AttachmentKind.JPEG:
        width, height, greys = decode_jpeg(data)
        assert len(greys) == (width // 8) * (height // 8) and all(16 <= g <= 240 for g in greys)
    elif kind is AttachmentKind.GIF:
        width, height, pixels = decode_gif(data)
        assert len(pixels) == width * height
    elif kind is AttachmentKind.PNG:
        check_png(data)
    elif kind is AttachmentKind.TXT:
        text = data.decode("cp1252")
        assert "€" in text and "ä" in text.lower()
    elif kind is AttachmentKind.TXT_UTF8:
        text = data.decode("utf-8")
        with pytest.raises(UnicodeEncodeError):
            text.encode("cp1252")
    elif kind is AttachmentKind.EXE:
        lfanew = struct.unpack("<I", data[0x3C:0x40])[0]
        assert data[lfanew : lfanew + 4] == b"PE\x00\x00"
        assert extension_for(kind) == "pdf"


@pytest.mark.parametrize("seed", range(12))
def test_seed_jpeg_and_gif_decode_for_many_seeds(seed: int) -> None:
    width, height, greys = decode_jpeg(render_kind("jpeg", seed))
    assert width % 8 == 0 and len(greys) == (width // 8) * (height // 8)
    width, height, pixels = decode_gif(render_kind("gif", seed))
    assert len(pixels) == width * height and width * height >= 64


def test_seed_attachment_determinism() -> None:
    for kind in AttachmentKind:
        if kind is AttachmentKind.OVERSIZED:
            continue
        assert render_kind(kind, 5, 5000) == render_kind(kind, 5, 5000)
        assert render_kind(kind, 5, 5000) != render_kind(kind, 6, 5000), kind


def test_seed_oversized_streams_without_building_and_is_a_valid_pdf() -> None:
    spec = {"kind": "oversized", "size": 0, "seed": 9}
    assert blob_size(spec) > MAX_ATTACHMENT_BYTES
    digest, total, biggest = hashlib.sha256(), 0, 0
    for chunk in iter_blob(spec, chunk_size=1 << 20):
        digest.update(chunk)
        total += len(chunk)
        biggest = max(biggest, len(chunk))
    assert total == blob_size(spec) and biggest <= 1 << 20
    data = render_blob(spec)
    assert hashlib.sha256(data).hexdigest() == digest.hexdigest()
    assert check_pdf(data) == 7  # objects 0..6


def test_seed_render_blob_accepts_models_and_aliases() -> None:
    raw = "Hei maailma, €".encode("cp1252")
    assert render_blob(InlineBlob(data_b64=base64.b64encode(raw).decode())) == raw
    jpg = render_blob(SyntheticBlob(kind="jpg", size=3000, seed=4))
    assert len(jpg) == 3000 and sniff_kind(jpg) == "jpeg"
    exe = render_blob(SyntheticBlob(kind="exe_renamed_pdf", size=0, seed=1))
    assert sniff_kind(exe) == "exe"
    with pytest.raises(ValueError):
        render_blob({"kind": None})
