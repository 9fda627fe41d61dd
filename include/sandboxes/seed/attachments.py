"""Attachment files made in code: real, small, structurally valid files of every kind the sync must handle.

Nothing binary is checked in or fetched. Every file is built from a ``seed`` (so the same spec always gives the same
bytes) and can be padded *validly* to an exact requested size: the padding goes inside a comment segment/chunk/stream
of the format, so a padded PDF is still a PDF and a padded JPEG still decodes.

Kinds (``AttachmentKind``):

=============  =================================================================================================
``pdf``        one-page PDF 1.4 with a Helvetica text line; xref offsets correct; padding in an unreferenced stream
``jpeg``       baseline greyscale JFIF (SOF0, Huffman-coded DC-only blocks), decodable; padding in COM segments
``gif``        GIF89a with a 256-colour table and a real LZW image stream; padding in a comment extension
``png``        PNG with IHDR/tEXt/IDAT/IEND and correct CRCs (zlib); padding in the tEXt chunk
``txt``        Windows-1252 text with Finnish letters and the euro sign; padding with ASCII lines
``txt_utf8``   UTF-8 text that contains characters outside Windows-1252 (for the cp1252 rule)
``exe``        a Windows executable header (``MZ`` ... ``PE\\0\\0``); the seed names it ``*.pdf`` to test sniffing
``oversized``  a valid PDF larger than Procountor's 10,000,000-byte limit (default 10,485,760 bytes)
=============  =================================================================================================

Big files are never held in a dataset: a dataset stores the synthetic spec (``kind``, ``size``, ``seed``) and the
bytes are made when someone asks (``render_blob``), or streamed in chunks (``iter_blob``) without building the whole
file in memory.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "OVERSIZED_DEFAULT_BYTES",
    "AttachmentKind",
    "blob_size",
    "extension_for",
    "iter_blob",
    "make_exe",
    "make_gif",
    "make_jpeg",
    "make_pdf",
    "make_png",
    "make_txt",
    "mime_for",
    "normalise_kind",
    "render_blob",
    "render_kind",
    "sniff_kind",
]

MAX_ATTACHMENT_BYTES = 10_000_000
OVERSIZED_DEFAULT_BYTES = 10_485_760  # 10 MiB: over Procountor's 10,000,000-byte limit


class AttachmentKind(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    GIF = "gif"
    PNG = "png"
    TXT = "txt"
    TXT_UTF8 = "txt_utf8"
    EXE = "exe"
    OVERSIZED = "oversized"


_MIME = {
    AttachmentKind.PDF: "application/pdf",
    AttachmentKind.JPEG: "image/jpeg",
    AttachmentKind.GIF: "image/gif",
    AttachmentKind.PNG: "image/png",
    AttachmentKind.TXT: "text/plain; charset=windows-1252",
    AttachmentKind.TXT_UTF8: "text/plain; charset=utf-8",
    AttachmentKind.EXE: "application/vnd.microsoft.portable-executable",
    AttachmentKind.OVERSIZED: "application/pdf",
}
_EXT = {
    AttachmentKind.PDF: "pdf",
    AttachmentKind.JPEG: "jpg",
    AttachmentKind.GIF: "gif",
    AttachmentKind.PNG: "png",
    AttachmentKind.TXT: "txt",
    AttachmentKind.TXT_UTF8: "txt",
    AttachmentKind.EXE: "pdf",  # on purpose: an executable wearing a .pdf name
    AttachmentKind.OVERSIZED: "pdf",
}


_ALIASES = {"jpg": "jpeg", "exe_renamed_pdf": "exe", "text": "txt", "utf8_txt": "txt_utf8"}


def normalise_kind(kind: str) -> AttachmentKind:
    """``AttachmentKind`` for a kind name, accepting the aliases ``jpg``, ``exe_renamed_pdf`` and ``text``."""
    name = str(kind).lower()
    return AttachmentKind(_ALIASES.get(name, name))


def mime_for(kind: str) -> str:
    """The MIME type the file *claims* (for ``exe`` the true type; its file name still ends in .pdf)."""
    return _MIME[normalise_kind(kind)]


def extension_for(kind: str) -> str:
    """File-name extension the generator gives a file of this kind (``exe`` → ``pdf``, deliberately)."""
    return _EXT[normalise_kind(kind)]


def sniff_kind(data: bytes) -> str:
    """Kind judged from content (magic bytes), the way the sync must judge it. Returns ``unknown`` if none fits."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"MZ"):
        return "exe"
    if b"\x00" not in data[:65536]:
        return "txt"  # no NUL byte: text (UTF-8, cp1252 or another 8-bit encoding)
    return "unknown"


# ---------------------------------------------------------------------------------------------------------------------
# Parts: a file is a list of byte strings and ``_Repeat`` runs, so a 10 MB file can be streamed without building it.


@dataclass(frozen=True)
class _Repeat:
    pattern: bytes
    length: int  # total bytes; the pattern is repeated and cut to this length

    def materialise(self) -> bytes:
        if self.length <= 0:
            return b""
        times = self.length // len(self.pattern) + 1
        return (self.pattern * times)[: self.length]

    def chunks(self, chunk_size: int) -> Iterator[bytes]:
        if self.length <= 0:
            return
        # chunk size a multiple of the pattern length so every chunk starts at pattern offset 0
        step = max(len(self.pattern), (chunk_size // len(self.pattern)) * len(self.pattern))
        block = self.pattern * (step // len(self.pattern))
        left = self.length
        while left > 0:
            piece = block if left >= len(block) else block[:left]
            left -= len(piece)
            yield piece


_Part = bytes | _Repeat


def _parts_len(parts: list[_Part]) -> int:
    return sum(p.length if isinstance(p, _Repeat) else len(p) for p in parts)


def _join(parts: list[_Part]) -> bytes:
    return b"".join(p.materialise() if isinstance(p, _Repeat) else p for p in parts)


def _pattern(seed: int, alphabet: bytes = b"") -> bytes:
    """64 deterministic bytes for padding. With ``alphabet`` only its bytes are used (e.g. printable ASCII)."""
    digest = hashlib.sha256(f"pad:{seed}".encode()).digest() * 2
    if not alphabet:
        return digest
    return bytes(alphabet[b % len(alphabet)] for b in digest)


_PRINTABLE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 "

_FI_WORDS = [
    "lasku",
    "kuitti",
    "matka",
    "asiakas",
    "projekti",
    "työ",
    "tuntia",
    "ateria",
    "hotelli",
    "juna",
    "taksi",
    "pysäköinti",
    "tarvikkeet",
    "koulutus",
    "ohjelmisto",
    "lisenssi",
    "huolto",
    "kokous",
    "Helsinki",
    "Tampere",
    "Oulu",
    "Jyväskylä",
    "Äänekoski",
    "Öljy",
]


# ---------------------------------------------------------------------------------------------------------------------
# PDF


def _pdf_escape(text: str) -> bytes:
    """PDF literal string in WinAnsiEncoding: cp1252 bytes, with (, ) and \\ escaped and non-ASCII as octal."""
    out = bytearray()
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out)


def _pdf_parts(seed: int, size: int | None, text: str | None = None) -> list[_Part]:
    rnd = random.Random(seed)
    if text is None:
        text = f"Liite {seed}: " + " ".join(rnd.choice(_FI_WORDS) for _ in range(6)) + f" {rnd.randint(1, 9999)},00 €"
    content = b"BT /F1 12 Tf 72 770 Td (" + _pdf_escape(text) + b") Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    body = bytearray(head)
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    # object 6: an unreferenced stream that carries the padding (valid PDF, ignored by readers)
    pad_number = len(objects) + 1

    def pad_head(n: int) -> bytes:
        return b"%d 0 obj\n<< /Length %d >>\nstream\n" % (pad_number, n)

    pad_tail = b"\nendstream\nendobj\n"

    def tail(pad_offset: int, pad_total: int) -> bytes:
        xref_offset = pad_offset + pad_total
        xref = bytearray(b"xref\n0 %d\n" % (pad_number + 1))
        xref += b"0000000000 65535 f \n"
        for off in [*offsets, pad_offset]:
            xref += b"%010d 00000 n \n" % off
        xref += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (pad_number + 1, xref_offset)
        return bytes(xref)

    def build(pad_len: int) -> list[_Part]:
        ph = pad_head(pad_len)
        pad_total = len(ph) + pad_len + len(pad_tail)
        return [bytes(body), ph, _Repeat(_pattern(seed, _PRINTABLE), pad_len), pad_tail, tail(len(body), pad_total)]

    parts = build(0)
    natural = _parts_len(parts)
    if size is None or size <= natural:
        return parts
    extra = size - natural
    pad_len = extra
    # the /Length digits and startxref digits grow with the padding: adjust until the total is exact
    for _ in range(6):
        parts = build(pad_len)
        diff = size - _parts_len(parts)
        if diff == 0:
            return parts
        pad_len += diff
    return parts


def make_pdf(seed: int = 0, size: int | None = None, text: str | None = None) -> bytes:
    """A one-page PDF, padded to exactly ``size`` bytes when ``size`` is larger than its natural size."""
    return _join(_pdf_parts(seed, size, text))


# ---------------------------------------------------------------------------------------------------------------------
# JPEG: baseline, greyscale, 8x8 blocks of flat grey (DC only), quantisation table of ones.

# Standard luminance DC table (ITU T.81 Annex K.3)
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
# AC table with one symbol, EOB (0x00), code "0"
_AC_BITS = [1] + [0] * 15
_AC_VALS = [0x00]


def _huffman_codes(bits: list[int], vals: list[int]) -> dict[int, tuple[int, int]]:
    """symbol -> (code, length), generated as in T.81 Annex C."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        self.acc = (self.acc << length) | (value & ((1 << length) - 1))
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0x00)  # byte stuffing
        self.acc &= (1 << self.n) - 1 if self.n else 0

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1-bits
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _split_payload(total: int, max_len: int, overhead: int) -> list[int]:
    """Split padding into segments of payload ≤ ``max_len``; returns payload lengths summing to ``total`` minus
    ``overhead`` per extra segment, so the bytes added are exactly ``total`` (first segment's overhead is counted
    by the caller)."""
    n = 1
    while n * max_len < total - overhead * (n - 1):
        n += 1
    payload = total - overhead * (n - 1)
    base, rem = divmod(payload, n)
    return [base + (1 if i < rem else 0) for i in range(n)]


def _jpeg_parts(seed: int, size: int | None) -> list[_Part]:
    rnd = random.Random(seed)
    bw, bh = 2 + seed % 3, 2 + (seed // 3) % 3  # 2..4 blocks each way
    width, height = bw * 8, bh * 8
    greys = [rnd.randint(16, 240) for _ in range(bw * bh)]
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALS)
    ac_codes = _huffman_codes(_AC_BITS, _AC_VALS)
    writer = _BitWriter()
    prev = 0
    for grey in greys:
        dc = 8 * (grey - 128)  # FDCT of a flat block: 8 x the level-shifted value; quantiser 1
        diff = dc - prev
        prev = dc
        category = abs(diff).bit_length()
        code, length = dc_codes[category]
        writer.write(code, length)
        if category:
            writer.write(diff if diff >= 0 else diff + (1 << category) - 1, category)
        code, length = ac_codes[0x00]
        writer.write(code, length)
    scan = writer.flush()

    app0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = _segment(0xDB, b"\x00" + b"\x01" * 64)
    sof0 = _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    dht_dc = _segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALS))
    dht_ac = _segment(0xC4, b"\x10" + bytes(_AC_BITS) + bytes(_AC_VALS))
    sos = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    comment = f"taimer-seed {seed}".encode("ascii")

    def build(pad: int) -> list[_Part]:
        parts: list[_Part] = [b"\xff\xd8", app0]
        if pad <= 0:
            parts.append(_segment(0xFE, comment))
        else:
            pattern = _pattern(seed, _PRINTABLE)
            for i, n in enumerate(_split_payload(len(comment) + pad, 65533, 4)):
                if i == 0:
                    parts.append(b"\xff\xfe" + struct.pack(">H", n + 2) + comment)
                    parts.append(_Repeat(pattern, n - len(comment)))
                else:
                    parts.append(b"\xff\xfe" + struct.pack(">H", n + 2))
                    parts.append(_Repeat(pattern, n))
        parts += [dqt, sof0, dht_dc, dht_ac, sos, scan, b"\xff\xd9"]
        return parts

    parts = build(0)
    natural = _parts_len(parts)
    if size is None or size <= natural:
        return parts
    return build(size - natural)


def make_jpeg(seed: int = 0, size: int | None = None) -> bytes:
    """A small decodable baseline JPEG (greyscale blocks), padded with COM segments to exactly ``size`` if asked."""
    return _join(_jpeg_parts(seed, size))


# ---------------------------------------------------------------------------------------------------------------------
# GIF89a


def _lzw_literals(pixels: bytes, min_code_size: int = 8) -> bytes:
    """LZW stream of literal codes only, with a clear code often enough that the code width never grows.

    A decoder adds a table entry for every code after the first one following a clear; with 256 colours the width
    (9 bits) would grow once the table reached 512 entries, so a clear code is sent every 250 literals.
    """
    clear = 1 << min_code_size
    eoi = clear + 1
    width = min_code_size + 1
    acc = 0
    nbits = 0
    out = bytearray()

    def emit(code: int) -> None:
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    for i, pixel in enumerate(pixels):
        if i % 250 == 0:
            emit(clear)
        emit(pixel)
    emit(eoi)
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def _sub_blocks(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 255):
        chunk = data[i : i + 255]
        out.append(len(chunk))
        out += chunk
    out.append(0)
    return bytes(out)


def _gif_parts(seed: int, size: int | None) -> list[_Part]:
    rnd = random.Random(seed)
    width, height = 8 + seed % 9, 8 + (seed // 9) % 9
    palette = bytes(rnd.randrange(256) for _ in range(256 * 3))
    colours = [rnd.randrange(256) for _ in range(4)]
    pixels = bytes(colours[((x // 4) + (y // 4)) % 4] for y in range(height) for x in range(width))
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + palette
    image = (
        b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + bytes([8])
        + _sub_blocks(_lzw_literals(pixels))
        + b"\x3b"
    )
    comment = f"taimer-seed {seed}".encode("ascii")

    def comment_ext(total: int) -> list[_Part]:
        # total bytes of the extension = 2 (introducer, label) + sub-blocks + 1 terminator; k sub-blocks of payload
        # L = inner - k, each 1..255 bytes: k = ceil(inner / 256) makes it exact for any inner >= 2
        inner = total - 3
        k = max(1, math.ceil(inner / 256))
        payload_len = inner - k
        base, rem = divmod(payload_len, k)
        lens = [base + (1 if i < rem else 0) for i in range(k)]
        parts: list[_Part] = [b"\x21\xfe"]
        first = True
        pattern = _pattern(seed, _PRINTABLE)
        for n in lens:
            if first and n >= len(comment):
                parts += [bytes([n]), comment, _Repeat(pattern, n - len(comment))]
            else:
                parts += [bytes([n]), _Repeat(pattern, n)]
            first = False
        parts.append(b"\x00")
        return parts

    natural_comment = len(comment) + 4  # 21 FE len payload 00
    natural = len(header) + natural_comment + len(image)
    if size is None or size <= natural:
        return [header, *comment_ext(natural_comment), image]
    return [header, *comment_ext(natural_comment + size - natural), image]


def make_gif(seed: int = 0, size: int | None = None) -> bytes:
    """A GIF89a with a 256-colour palette and an LZW-coded image; padded with a comment extension if asked."""
    return _join(_gif_parts(seed, size))


# ---------------------------------------------------------------------------------------------------------------------
# PNG


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png(seed: int = 0, size: int | None = None) -> bytes:
    """An RGB PNG with correct CRCs; padded to exactly ``size`` via its tEXt chunk if asked."""
    rnd = random.Random(seed)
    width, height = 4 + seed % 13, 4 + (seed // 13) % 13
    rows = bytearray()
    base = [rnd.randrange(256) for _ in range(3)]
    for y in range(height):
        rows.append(0)  # filter type None
        for x in range(width):
            rows += bytes(((base[0] + 16 * x) % 256, (base[1] + 16 * y) % 256, base[2]))
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    idat = _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
    iend = _png_chunk(b"IEND", b"")
    text = b"Comment\x00" + f"taimer-seed {seed}".encode("ascii")
    natural = 8 + len(ihdr) + len(idat) + len(iend) + 12 + len(text)
    if size is not None and size > natural:
        text += _Repeat(_pattern(seed, _PRINTABLE), size - natural).materialise()
    return b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"tEXt", text) + idat + iend


# ---------------------------------------------------------------------------------------------------------------------
# Text

_NON_CP1252 = "Łódź ≈ 5 km, ✓ hyväksytty, ĳ, 😀"


def make_txt(seed: int = 0, size: int | None = None, encoding: str = "cp1252") -> bytes:
    """A receipt-like text file in ``cp1252`` (Finnish letters, euro sign) or ``utf-8`` (adds characters that
    Windows-1252 cannot hold). Padded with ASCII lines to exactly ``size`` if asked."""
    rnd = random.Random(seed)
    lines = [
        f"Kuitti {seed}",
        f"Myyjä: {rnd.choice(['Äänekosken Öljy Oy', 'Kahvila Säde', 'Pysäköinti Helsinki', 'Kirjakauppa Yö'])}",
        f"Päivä: {rnd.randint(1, 28)}.{rnd.randint(1, 12)}.{rnd.randint(2023, 2026)}",
        f"Summa: {rnd.randint(1, 500)},{rnd.randint(0, 99):02d} € (ALV sisältyy)",
    ]
    if encoding.lower().replace("-", "") in ("utf8",):
        lines.append(_NON_CP1252)
        data = ("\n".join(lines) + "\n").encode("utf-8")
    else:
        data = ("\n".join(lines) + "\n").encode("cp1252")
    if size is not None and size > len(data):
        line = b"rivi " + _pattern(seed, _PRINTABLE)[:58] + b"\n"  # 64 bytes per line
        data += _Repeat(line, size - len(data)).materialise()
    return data


# ---------------------------------------------------------------------------------------------------------------------
# Windows executable (to be named *.pdf by the generator)


def make_exe(seed: int = 0, size: int | None = None) -> bytes:
    """DOS ``MZ`` header + stub + ``PE\\0\\0`` signature and a minimal COFF header; zero-padded to ``size``."""
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<H", dos, 2, 0x90)  # bytes on last page
    struct.pack_into("<H", dos, 4, 3)  # pages
    struct.pack_into("<H", dos, 8, 4)  # header paragraphs
    struct.pack_into("<I", dos, 0x3C, 0x80)  # e_lfanew
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    body = bytes(dos) + stub
    body += b"\x00" * (0x80 - len(body))
    coff = struct.pack("<HHIIIHH", 0x8664, 0, 1_700_000_000 + seed, 0, 0, 0, 0x22)
    data = body + b"PE\x00\x00" + coff
    if size is not None and size > len(data):
        data += b"\x00" * (size - len(data))
    return data


# ---------------------------------------------------------------------------------------------------------------------
# Blob specs


def _field(blob: Any, name: str) -> Any:
    if isinstance(blob, Mapping):
        return blob.get(name)
    return getattr(blob, name, None)


def _parts_for(kind_name: str, seed: int, size: int | None) -> list[_Part]:
    kind = normalise_kind(kind_name)
    if kind is AttachmentKind.PDF:
        return _pdf_parts(seed, size)
    if kind is AttachmentKind.OVERSIZED:
        return _pdf_parts(seed, max(size or OVERSIZED_DEFAULT_BYTES, MAX_ATTACHMENT_BYTES + 1))
    if kind is AttachmentKind.JPEG:
        return _jpeg_parts(seed, size)
    if kind is AttachmentKind.GIF:
        return _gif_parts(seed, size)
    if kind is AttachmentKind.PNG:
        return [make_png(seed, size)]
    if kind is AttachmentKind.TXT:
        return [make_txt(seed, size, "cp1252")]
    if kind is AttachmentKind.TXT_UTF8:
        return [make_txt(seed, size, "utf-8")]
    return [make_exe(seed, size)]


def render_kind(kind: str, seed: int = 0, size: int | None = None) -> bytes:
    """Bytes of a synthetic file of ``kind``; exactly ``size`` bytes when ``size`` exceeds the natural size."""
    return _join(_parts_for(kind, seed, size))


def _spec(blob: Any) -> tuple[str | None, str, int, int | None]:
    data_b64 = _field(blob, "data_b64")
    kind = _field(blob, "kind")
    seed = int(_field(blob, "seed") or 0)
    size = _field(blob, "size")
    return data_b64, str(kind) if kind is not None else "", seed, int(size) if size is not None else None


def render_blob(blob: Any) -> bytes:
    """The bytes of an ``AttachmentBlob`` (a model or a plain mapping).

    Inline blobs (``data_b64``) are base64-decoded. Synthetic blobs (``kind``, ``size``, ``seed``) are generated:
    deterministic for the spec, exactly ``size`` bytes when ``size`` is at least the kind's natural size.
    """
    data_b64, kind, seed, size = _spec(blob)
    if data_b64 is not None:
        return base64.b64decode(data_b64, validate=True)
    if not kind:
        raise ValueError("attachment blob has neither data_b64 nor kind")
    return render_kind(kind, seed, size)


def iter_blob(blob: Any, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Stream a blob's bytes in chunks of about ``chunk_size`` without building a large file in memory."""
    data_b64, kind, seed, size = _spec(blob)
    if data_b64 is not None:
        data = base64.b64decode(data_b64, validate=True)
        for i in range(0, len(data), chunk_size):
            yield data[i : i + chunk_size]
        return
    for part in _parts_for(kind, seed, size):
        if isinstance(part, _Repeat):
            yield from part.chunks(chunk_size)
        elif part:
            yield part


def blob_size(blob: Any) -> int:
    """Size in bytes of a blob, without rendering large padding."""
    data_b64, kind, seed, size = _spec(blob)
    if data_b64 is not None:
        return len(base64.b64decode(data_b64, validate=True))
    return _parts_len(_parts_for(kind, seed, size))
