"""Content-Encoding through the whole fetch, against a real server on 127.0.0.1: chained
encodings decode, bombs are refused in bounded memory, odd encodings are clean failures."""

from __future__ import annotations

import gzip
import zlib

import pytest
from fixtures.sites.bombs import MIB, chain_bomb, fetch_in_child
from fixtures.sites.harness import (
    entry_with,
    fast_settings,
    manifest_by_path,
    write_registry,
)
from fixtures.sites.server import FixtureServer, Route

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, decoding, load_entry_points

PEAK_LIMIT = 300 * MIB  # the acceptance threshold (benchmarks/bench_bombs.py prints the figures)


PAGE = ("<html><body><h1>人才政策</h1>"
        "<a href='/after.html'>人才政策（后续）</a></body></html>").encode()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    corrupt = bytearray(gzip.compress(PAGE * 20))
    corrupt[30:60] = bytes(30)
    four_layers = gzip.compress(gzip.compress(gzip.compress(gzip.compress(PAGE))))
    routes = {
        "/": entry_with({"人才政策（双重压缩）": "/chained.html",
                         "人才政策（炸弹）": "/bomb.html",
                         "人才政策（三层炸弹）": "/bomb3.html",
                         "人才政策（compress）": "/compress.html",
                         "人才政策（br）": "/br.html", "人才政策（四层）": "/four.html",
                         "人才政策（损坏）": "/corrupt.html",
                         "人才政策（填充）": "/padded.html"}),
        "/chained.html": Route(body=gzip.compress(zlib.compress(PAGE)),
                               content_encoding="deflate, gzip"),
        "/after.html": Route(body=b"<html>ok</html>"),
        "/bomb.html": Route(body=chain_bomb(("gzip", "gzip"), 256), content_encoding="gzip, gzip"),
        "/bomb3.html": Route(body=chain_bomb(("gzip", "deflate", "gzip"), 256),
                             content_encoding="gzip, deflate, gzip"),
        "/compress.html": Route(body=b"\x1f\x9d\x90whatever", content_encoding="compress"),
        "/br.html": Route(body=b"\x0b\x02\x80ok\x03", content_encoding="br"),
        "/four.html": Route(body=four_layers, content_encoding="gzip, gzip, gzip, gzip"),
        "/corrupt.html": Route(body=bytes(corrupt), content_encoding="gzip"),
        # decodes to one small page, then megabytes of padding that decode to nothing
        "/padded.html": Route(body=gzip.compress(PAGE) + bytes(3 * MIB), content_encoding="gzip",
                              chunked=True),
    }
    patch = pytest.MonkeyPatch()
    patch.setattr(decoding, "_brotli", None)  # as where the brotli package is not installed
    try:
        with FixtureServer(routes) as server:
            registry = write_registry(tmp / "registry.csv",
                                      [("甲市", "hrss", server.base_url + "/")])
            store = RawStore(tmp / "raw")
            summary = Crawler(store, fast_settings()).run(load_entry_points(registry))
            yield {"server": server, "store": store, "summary": summary,
                   "manifest": manifest_by_path(store, server.base_url).set_index("path")}
    finally:
        patch.undo()


def test_chained_encodings_are_decoded_and_stored_as_the_page(crawled):
    manifest, store = crawled["manifest"], crawled["store"]
    assert manifest.loc["/chained.html", "outcome"] == "stored"
    assert store.read(manifest.loc["/chained.html", "sha256"]) == PAGE
    assert manifest.loc["/after.html", "outcome"] == "stored"  # its links were read, decoded


@pytest.mark.parametrize(("path", "reason"), [
    ("/bomb.html", "too_large"), ("/bomb3.html", "too_large"),
    ("/compress.html", "unsupported_encoding"), ("/br.html", "unsupported_encoding"),
    ("/four.html", "too_many_encodings"), ("/corrupt.html", "decode_error"),
    ("/padded.html", "too_large"),
])
def test_bad_encodings_are_one_failure_each_and_not_retried(crawled, path, reason):
    row = crawled["manifest"].loc[path]
    assert (row["outcome"], row["reason"]) == ("failed", reason)
    assert crawled["server"].paths().count(path) == 1  # permanent: retrying cannot help


def test_only_decodable_encodings_are_offered(crawled):
    offered = {hit.headers.get("accept-encoding") for hit in crawled["server"].hits}
    # brotli is "not installed" for this crawl; zstd needs Python 3.14 or backports.zstd
    expected = "gzip, deflate" + (", zstd" if decoding._zstd is not None else "")
    assert offered == {expected}


@pytest.mark.parametrize("chain", [("gzip", "gzip"), ("gzip", "deflate", "gzip")])
def test_a_gigabyte_bomb_is_refused_in_bounded_memory_and_time(chain):
    # A few KB on the wire, 1 GiB decoded. httpx's decoders (the fetcher's old path) peak at
    # over 2 GB on this; the bounded decoder stays near the interpreter's own footprint.
    route = Route(body=chain_bomb(chain, 1024), content_encoding=", ".join(chain))
    with FixtureServer({"/bomb.html": route}) as server:
        figures = fetch_in_child(server.base_url + "/bomb.html", max_body_bytes=50 * MIB)
    assert (figures["outcome"], figures["reason"]) == ("failed", "too_large"), figures
    assert figures["peak_bytes"] < PEAK_LIMIT, figures
    assert figures["peak_bytes"] - figures["baseline_bytes"] < 64 * MIB, figures
    assert figures["seconds"] < 2.0, figures
