"""Bounded decoding of HTTP ``Content-Encoding`` chains.

httpx's own decoders inflate a whole network chunk in one call, so 2 KB of ``gzip, gzip`` can
become gigabytes before any size check runs. Here every step asks its decompressor for at most
``step`` bytes at a time and the decoded total is checked against the cap *before* each piece
is handed on, so memory stays bounded by a few pieces per step whatever the chain.

Supported: gzip / x-gzip, deflate (zlib-wrapped or raw), identity; br when the ``brotli``
package (1.2 or later, which can bound its output) is installed; zstd when ``compression.zstd``
(Python 3.14) or ``backports.zstd`` is. The ``zstandard`` package cannot bound one call's
output, so it is not used.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

STEP_BYTES = 64 * 1024  # the most any decoder step produces at once
MAX_ENCODINGS = 3  # more codings than this in one response is an attack or a broken server

_GZIP_MAGIC = b"\x1f\x8b"


class DecodingRefused(Exception):
    """A body that cannot or may not be decoded; ``reason`` is the fetch's failure reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _load_brotli() -> Any:
    for name in ("brotli", "brotlicffi"):
        try:
            module = __import__(name)
            # Versions before 1.2 cannot limit one call's output (CVE-2025-6176): don't use them.
            module.Decompressor().process(b"", output_buffer_limit=1)
        except Exception:  # noqa: S112 - not installed, or too old to be safe
            continue
        return module
    return None


def _load_zstd() -> Any:
    for name in ("compression.zstd", "backports.zstd"):
        try:
            module = __import__(name, fromlist=["ZstdDecompressor"])
            module.ZstdDecompressor().decompress(b"", max_length=1)
        except Exception:  # noqa: S112 - not installed
            continue
        return module
    return None


_brotli = _load_brotli()
_zstd = _load_zstd()


def supported_encodings() -> tuple[str, ...]:
    """Content codings this module decodes, in the order we prefer them."""
    names = ["gzip", "deflate"]
    if _brotli is not None:
        names.append("br")
    if _zstd is not None:
        names.append("zstd")
    return tuple(names)


def accept_encoding() -> str:
    """The ``Accept-Encoding`` header value matching what we can decode."""
    return ", ".join(supported_encodings())


class _Step(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


def _pieces(data: bytes, step: int) -> Iterator[bytes]:
    for start in range(0, len(data), step):
        yield data[start:start + step]


class _Identity:
    def __init__(self, step: int) -> None:
        self.step = step

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from _pieces(data, self.step)

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (possibly several members, RFC 1952) or deflate (zlib-wrapped or raw)."""

    def __init__(self, gzip: bool, step: int) -> None:
        self.gzip = gzip
        self.step = step
        self.obj: Any = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self.pending = b""  # bytes held back until we know what they start
        self.seen_input = False
        self.ended = False  # the current stream (gzip: member) is complete
        self.ignoring = False  # junk after the end: read and dropped

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data or self.ignoring:
            return
        self.seen_input = True
        if self.obj is None:
            # "deflate" is zlib-wrapped by the RFC, but many servers send raw deflate; the
            # two-byte zlib header (CM 8, header checksum divisible by 31) tells them apart.
            self.pending += data
            if len(self.pending) < 2:
                return
            data, self.pending = self.pending, b""
            wrapped = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
            self.obj = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        while data:
            if self.ended:
                data = self._after_end(data)
                continue
            out = self._decompress(data)
            if out:
                yield out
            data = self.obj.unconsumed_tail
            if self.obj.eof:
                self.ended = True
                data = self.obj.unused_data + data
            elif not data and len(out) == self.step:
                # Output stopped at the limit with all input taken: zlib may hold more.
                yield from self._drain()

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self.obj.decompress(data, self.step)
        except zlib.error as exc:
            raise DecodingRefused("decode_error", str(exc)) from None

    def _drain(self) -> Iterator[bytes]:
        while not self.obj.eof:
            out = self._decompress(b"")
            if out:
                yield out
            if len(out) < self.step:
                break
        self.ended = self.obj.eof

    def _after_end(self, data: bytes) -> bytes:
        """Bytes after a complete stream: another gzip member, or junk to ignore."""
        if self.gzip:
            self.pending += data
            if len(self.pending) < 2:
                return b""
            data, self.pending = self.pending, b""
            if data.startswith(_GZIP_MAGIC):
                self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.ended = False
                return data
        # NUL padding or junk after the end: browsers and urllib3 ignore it, and so do we
        # (the fetcher's cap on raw bytes still bounds how much of it is read).
        self.pending = b""
        self.ignoring = True
        return b""

    def flush(self) -> Iterator[bytes]:
        if self.obj is None:
            if self.pending:  # one byte of deflate is never a complete stream
                raise DecodingRefused("decode_error", "deflate body too short")
            return
        if self.seen_input and not self.ended:
            yield from self._drain()
            if not self.ended:
                raise DecodingRefused("decode_error", "compressed body ends before its stream")


class _Brotli:
    def __init__(self, step: int) -> None:
        self.obj = _brotli.Decompressor()
        self.step = step
        self.seen_input = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self.seen_input = True
        yield from self._run(data)

    def _run(self, data: bytes) -> Iterator[bytes]:
        idle = 0
        while True:
            try:
                out = self.obj.process(data, output_buffer_limit=self.step)
            except _brotli.error as exc:
                raise DecodingRefused("decode_error", f"brotli: {exc}") from None
            data = b""  # the decoder keeps what it did not use; later calls only drain
            # brotli stops growing its buffer *after* reaching the limit, so cut the piece.
            yield from _pieces(out, self.step)
            if self.obj.is_finished():
                return
            if not out:
                if self.obj.can_accept_more_data():
                    return
                idle += 1
                if idle > 2:
                    raise DecodingRefused("decode_error", "brotli decoder stalled")

    def flush(self) -> Iterator[bytes]:
        if not self.seen_input:
            return
        if not self.obj.is_finished():
            yield from self._run(b"")
            if not self.obj.is_finished():
                raise DecodingRefused("decode_error", "brotli body ends before its stream")


class _Zstd:
    """zstd frames (RFC 8878 allows several back to back)."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.obj = self._new()
        self.in_frame = False

    @staticmethod
    def _new() -> Any:
        # A frame may ask for a window of up to 2 GiB; RFC 8878 has HTTP decoders cap it at
        # 8 MiB (window log 23), which also caps what the decoder itself allocates.
        return _zstd.ZstdDecompressor(options={_zstd.DecompressionParameter.window_log_max: 23})

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self.obj.decompress(data, max_length=self.step)
        except _zstd.ZstdError as exc:
            raise DecodingRefused("decode_error", f"zstd: {exc}") from None

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self.obj.eof:
                self.obj = self._new()
            self.in_frame = True
            out = self._decompress(data)
            if out:
                yield out
            idle = 0
            while not self.obj.eof and not self.obj.needs_input:
                out = self._decompress(b"")
                if out:
                    yield out
                    idle = 0
                else:
                    idle += 1
                    if idle > 2:
                        raise DecodingRefused("decode_error", "zstd decoder stalled")
            data = b""
            if self.obj.eof:
                self.in_frame = False
                data = self.obj.unused_data

    def flush(self) -> Iterator[bytes]:
        if self.in_frame:
            raise DecodingRefused("decode_error", "zstd body ends before its frame")
        return iter(())


def _make_step(coding: str, step: int) -> _Step:
    if coding == "identity":
        return _Identity(step)
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True, step=step)
    if coding == "deflate":
        return _Zlib(gzip=False, step=step)
    if coding == "br" and _brotli is not None:
        return _Brotli(step)
    if coding == "zstd" and _zstd is not None:
        return _Zstd(step)
    raise DecodingRefused("unsupported_encoding", coding)


def parse_codings(values: Iterable[str]) -> list[str]:
    """The codings of ``Content-Encoding`` header value(s), in the order they were applied."""
    return [token.strip().lower() for value in values for token in value.split(",")
            if token.strip()]


class BodyDecoder:
    """Push raw body bytes in, get decoded pieces out, never more than ``max_bytes`` in total.

    ``codings`` are listed as in the header: in the order the server applied them, so they
    are undone last to first. Raises :class:`DecodingRefused` with reason
    ``unsupported_encoding``, ``too_many_encodings``, ``decode_error`` or ``too_large``.
    """

    def __init__(self, codings: Iterable[str], max_bytes: int, step: int = STEP_BYTES) -> None:
        codings = list(codings)
        if len(codings) > MAX_ENCODINGS:
            raise DecodingRefused("too_many_encodings", ", ".join(codings[:MAX_ENCODINGS + 1]))
        self.codings = codings
        self.max_bytes = max_bytes
        self.size = 0
        self.steps: list[_Step] = [_make_step(c, step) for c in reversed(codings)]
        if not self.steps:
            self.steps = [_Identity(step)]
        self.compressed = any(c != "identity" for c in codings)

    @classmethod
    def for_headers(cls, content_encoding: Iterable[str], max_bytes: int,
                    step: int = STEP_BYTES) -> BodyDecoder:
        return cls(parse_codings(content_encoding), max_bytes, step)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        # Lazy all the way down: a piece leaves step i only when step i+1 asks for it.
        if index == len(self.steps):
            yield data
            return
        for piece in self.steps[index].feed(data):
            yield from self._through(index + 1, piece)

    def _counted(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            if self.size + len(piece) > self.max_bytes:
                raise DecodingRefused("too_large", f"decoded body exceeds {self.max_bytes} bytes")
            self.size += len(piece)
            yield piece

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces (each at most ``step`` bytes) for the next raw bytes."""
        yield from self._counted(self._through(0, data))

    def finish(self) -> Iterator[bytes]:
        """The rest once the raw body has ended; refuses a truncated compressed stream."""
        def flushed() -> Iterator[bytes]:
            for index, step in enumerate(self.steps):
                for piece in step.flush():
                    yield from self._through(index + 1, piece)

        yield from self._counted(flushed())


def decode_all(data: bytes, codings: Iterable[str], max_bytes: int,
               step: int = STEP_BYTES) -> bytes:
    """Decode a whole body at once (tests and small bodies)."""
    decoder = BodyDecoder(codings, max_bytes, step)
    return b"".join([*decoder.feed(data), *decoder.finish()])
