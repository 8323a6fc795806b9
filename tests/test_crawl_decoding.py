"""Bounded Content-Encoding decoding (benchmark.sources.decoding): round trips, bombs, refusals."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest
from fixtures.sites.bombs import MIB, chain_bomb, gzip_of_zeros
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.sources import decoding
from benchmark.sources.decoding import (
    MAX_ENCODINGS,
    BodyDecoder,
    DecodingRefused,
    accept_encoding,
    decode_all,
    parse_codings,
    supported_encodings,
)


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODERS = {
    "gzip": lambda d: gzip.compress(d, mtime=0),
    "x-gzip": lambda d: gzip.compress(d, mtime=0),
    "deflate": zlib.compress,  # zlib-wrapped, as RFC 9110 says
    "deflate-raw": raw_deflate,  # what many servers send as "deflate" instead
    "identity": lambda d: d,
}
if decoding._brotli is not None:
    ENCODERS["br"] = decoding._brotli.compress
if decoding._zstd is not None:
    ENCODERS["zstd"] = decoding._zstd.compress


def encode(data: bytes, chain: list[str]) -> tuple[bytes, list[str]]:
    """``data`` encoded by ``chain`` in order; returns the body and its Content-Encoding list."""
    for coding in chain:
        data = ENCODERS[coding](data)
    return data, ["deflate" if c == "deflate-raw" else c for c in chain]


def feed_in_chunks(decoder: BodyDecoder, body: bytes, cuts: list[int]) -> list[bytes]:
    pieces: list[bytes] = []
    start = 0
    for cut in sorted({c % (len(body) + 1) for c in cuts}) + [len(body)]:
        pieces.extend(decoder.feed(body[start:cut]))
        start = cut
    pieces.extend(decoder.finish())
    return pieces


payloads = st.one_of(
    st.binary(max_size=4000),
    st.builds(lambda unit, n: unit * n, st.binary(min_size=1, max_size=40), st.integers(1, 3000)),
)
chains = st.lists(st.sampled_from(sorted(ENCODERS)), max_size=MAX_ENCODINGS)
steps = st.sampled_from([1, 7, 100, 4096, decoding.STEP_BYTES])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=payloads, chain=chains, step=steps, cuts=st.lists(st.integers(0, 10**6), max_size=6))
def test_any_chain_round_trips_in_bounded_pieces(data, chain, step, cuts):
    body, codings = encode(data, chain)
    decoder = BodyDecoder(codings, max_bytes=len(data) + 1, step=step)
    pieces = feed_in_chunks(decoder, body, cuts)
    assert b"".join(pieces) == data
    assert all(len(piece) <= step for piece in pieces)
    assert decoder.size == len(data)


bomb_chains = st.sampled_from([("gzip",), ("gzip", "gzip"), ("gzip", "deflate"),
                               ("gzip", "deflate", "gzip"), ("gzip", "gzip", "gzip")])


@settings(max_examples=40, deadline=None)
@given(chain=bomb_chains, cap=st.integers(1, 3 * MIB), step=st.sampled_from([512, 65536]),
       chunk=st.sampled_from([1, 100, 4096, 1 << 16, 1 << 20]))
def test_a_bomb_never_produces_more_than_the_cap(chain, cap, step, chunk):
    body = chain_bomb(chain, 64)  # 64 MiB of zeros behind every chain
    decoder = BodyDecoder(chain, max_bytes=cap, step=step)
    produced = 0
    with pytest.raises(DecodingRefused) as refused:
        for start in range(0, len(body), chunk):
            for piece in decoder.feed(body[start:start + chunk]):
                assert len(piece) <= step
                produced += len(piece)
        for piece in decoder.finish():
            produced += len(piece)
    assert refused.value.reason == "too_large"
    assert produced <= cap
    assert produced > cap - step  # refused at the cap, not long before it


@pytest.mark.parametrize("chain", [("gzip", "gzip"), ("gzip", "deflate", "gzip")])
def test_a_gigabyte_bomb_decodes_in_bounded_memory(chain):
    # The fetcher's old path (httpx's decoders) held the whole inflated chunk: 1 GiB here.
    body = chain_bomb(chain, 1024)
    decoder = BodyDecoder(chain, max_bytes=64 * MIB)
    tracemalloc.start()
    try:
        produced = 0
        with pytest.raises(DecodingRefused, match="too_large"):
            for start in range(0, len(body), 1 << 16):
                for piece in decoder.feed(body[start:start + (1 << 16)]):
                    produced += len(piece)  # dropped at once, like a spool to disk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 64 * MIB - decoding.STEP_BYTES < produced <= 64 * MIB
    assert peak < 4 * MIB, f"peak traced memory {peak / MIB:.1f} MiB"


@settings(max_examples=200, deadline=None)
@given(junk=st.binary(max_size=300), chain=chains)
def test_corrupt_bodies_are_refused_cleanly_or_decoded(junk, chain):
    codings = ["deflate" if c == "deflate-raw" else c for c in chain]
    try:
        decode_all(junk, codings, max_bytes=MIB)
    except DecodingRefused as exc:
        assert exc.reason in ("decode_error", "too_large")


def test_corrupt_and_truncated_streams_are_decode_errors():
    page = b"<html>" + "人才政策".encode() * 500 + b"</html>"
    packed = gzip.compress(page)
    broken = packed[:20] + bytes(b ^ 0x5A for b in packed[20:40]) + packed[40:]
    for body, codings in [(broken, ["gzip"]), (packed[:-12], ["gzip"]), (b"plain text", ["gzip"]),
                          (zlib.compress(page)[:-3], ["deflate"]), (b"x", ["deflate"]),
                          (gzip.compress(packed)[:-30], ["gzip", "gzip"])]:
        with pytest.raises(DecodingRefused) as refused:
            decode_all(body, codings, max_bytes=MIB)
        assert refused.value.reason == "decode_error"


def test_gzip_members_padding_and_trailing_junk():
    two = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode_all(two, ["gzip"], MIB) == b"first second"  # RFC 1952: several members
    assert decode_all(two + b"\0" * 7, ["gzip"], MIB) == b"first second"
    assert decode_all(gzip.compress(b"page") + b"<junk>", ["gzip"], MIB) == b"page"
    assert decode_all(zlib.compress(b"page") + b"junk", ["deflate"], MIB) == b"page"
    assert decode_all(b"", ["gzip"], MIB) == b""  # an empty body declared gzip


def test_multi_member_gzip_cannot_dodge_the_cap():
    member = gzip_of_zeros(1)
    with pytest.raises(DecodingRefused, match="too_large"):
        decode_all(member * 10, ["gzip"], max_bytes=5 * MIB)


def test_unsupported_and_too_many_encodings_are_refused_up_front(monkeypatch):
    for codings in (["compress"], ["gzip", "lzma"], ["GZIP", "snappy"]):
        with pytest.raises(DecodingRefused) as refused:
            BodyDecoder(parse_codings([", ".join(codings)]), MIB)
        assert refused.value.reason == "unsupported_encoding"
    monkeypatch.setattr(decoding, "_brotli", None)
    monkeypatch.setattr(decoding, "_zstd", None)
    for coding in ("br", "zstd"):
        with pytest.raises(DecodingRefused, match="unsupported_encoding"):
            BodyDecoder([coding], MIB)
    assert "br" not in supported_encodings() and accept_encoding() == "gzip, deflate"
    with pytest.raises(DecodingRefused) as refused:
        BodyDecoder(["gzip"] * (MAX_ENCODINGS + 1), MIB)
    assert refused.value.reason == "too_many_encodings"


def test_header_values_are_split_and_normalised():
    assert parse_codings(["gzip, Deflate", " x-gzip ,,"]) == ["gzip", "deflate", "x-gzip"]
    body, _ = encode(b"<p>ok</p>", ["gzip", "deflate"])
    decoder = BodyDecoder.for_headers(["GZip,  deflate"], MIB)
    assert b"".join([*decoder.feed(body), *decoder.finish()]) == b"<p>ok</p>"


def test_accept_encoding_offers_exactly_what_can_be_decoded():
    offered = [c.strip() for c in accept_encoding().split(",")]
    assert offered[:2] == ["gzip", "deflate"]
    for coding in offered:
        BodyDecoder([coding], MIB)  # none of them is refused


@pytest.mark.skipif(decoding._brotli is None and decoding._zstd is None,
                    reason="no brotli >= 1.2, compression.zstd or backports.zstd installed")
def test_optional_codings_are_bounded_too():
    fast = {"br": lambda d: decoding._brotli.compress(d, quality=1), "zstd": ENCODERS.get("zstd")}
    for coding in ("br", "zstd"):
        if coding not in ENCODERS:
            continue
        body = fast[coding](bytes(32 * MIB))
        with pytest.raises(DecodingRefused, match="too_large"):
            produced = 0
            decoder = BodyDecoder([coding], max_bytes=MIB)
            for piece in decoder.feed(body):
                assert len(piece) <= decoding.STEP_BYTES
                produced += len(piece)
        assert produced <= MIB
