"""RawStore: immutable content-addressed bodies and the append-only fetch manifest."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from benchmark.errors import TalentbenchError
from benchmark.raw_store import RawStore, sha256_hex


def test_put_is_content_addressed_and_never_overwrites(tmp_path):
    store = RawStore(tmp_path)
    digest = store.put("人才政策".encode("gbk"))
    path = tmp_path / "objects" / digest[:2] / digest
    assert path.read_bytes() == "人才政策".encode("gbk")
    before = path.stat().st_mtime_ns, path.stat().st_ino
    assert store.put("人才政策".encode("gbk")) == digest
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before
    assert store.read(digest) == "人才政策".encode("gbk")
    # no temporary files are left behind
    assert [p.name for p in path.parent.iterdir()] == [digest]


def test_read_detects_corruption_and_missing_objects(tmp_path):
    store = RawStore(tmp_path)
    digest = store.put(b"body")
    path = store.path_for(digest)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(TalentbenchError, match="corrupted"):
        store.read(digest)
    with pytest.raises(TalentbenchError, match="not found"):
        store.read(sha256_hex(b"never stored"))
    with pytest.raises(TalentbenchError, match="sha256"):
        store.read("../../etc/passwd")


def test_record_validates_fields(tmp_path):
    store = RawStore(tmp_path)
    with pytest.raises(TalentbenchError, match="outcome"):
        store.record(url="http://a/", outcome="maybe")
    with pytest.raises(TalentbenchError, match="unknown"):
        store.record(url="http://a/", outcome="stored", colour="red")
    with pytest.raises(TalentbenchError, match="url"):
        store.record(outcome="failed")
    # a failed batch writes nothing
    with pytest.raises(TalentbenchError):
        store.record_many([{"url": "http://a/", "outcome": "failed"}, {"url": "http://b/"}])
    assert store.manifest().empty


def test_latest_is_newest_stored_body_per_url(tmp_path):
    store = RawStore(tmp_path)
    old = store.put(b"v1")
    new = store.put(b"v2")
    store.record(url="http://a/p", outcome="stored", status=200, sha256=old, etag='"1"', city="X")
    store.record(url="http://a/p", outcome="stored", status=200, sha256=new, etag='"2"', city="X")
    store.record(url="http://a/p", outcome="unchanged", status=304, sha256=new, etag='"2"')
    store.record(url="http://a/p", outcome="failed", status=500, reason="http_500")
    store.record(url="http://a/q", outcome="failed", reason="timeout")
    latest = store.latest()
    assert list(latest["url"]) == ["http://a/p"]
    row = latest.iloc[0]
    assert row["sha256"] == new and row["outcome"] == "stored" and row["city"] == "X"
    assert row["last_seen_at"] > row["fetched_at"]  # the unchanged fetch counts as seen
    assert str(row["fetched_at"].tz) == "UTC"
    assert store.conditional_headers("http://a/p") == {"If-None-Match": '"2"'}
    assert store.conditional_headers("http://a/q") == {}
    manifest = store.manifest()
    assert len(manifest) == 5
    assert manifest["fetch_id"].is_unique
    assert list(manifest["outcome"]) == ["stored", "stored", "unchanged", "failed", "failed"]


def test_headers_are_stored_as_json_text(tmp_path):
    store = RawStore(tmp_path)
    store.record(url="http://a/", outcome="stored", headers={"ETag": '"x"', "Server": "测试"})
    assert store.manifest().iloc[0]["headers"] == '{"ETag": "\\"x\\"", "Server": "测试"}'


def _writer(root: str, tag: str) -> None:
    store = RawStore(root)
    for i in range(8):
        store.record(url=f"http://{tag}/{i}", outcome="stored", sha256=store.put(f"{tag}{i}".encode()))


def test_two_processes_can_take_turns_on_the_manifest(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(tmp_path), t)) for t in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    manifest = RawStore(tmp_path).manifest()
    assert len(manifest) == 16 and manifest["url"].is_unique


def test_put_stream_matches_put_and_leaves_no_temporary_files(tmp_path):
    store = RawStore(tmp_path)
    pieces = [b"%PDF-1.7\n", b"x" * (3 << 20), b"%%EOF"]
    digest = store.put_stream(iter(pieces))
    assert digest == sha256_hex(b"".join(pieces))
    assert store.put(b"".join(pieces)) == digest
    assert store.read(digest) == b"".join(pieces)
    files = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert files == [store.path_for(digest)]
    assert store.read_prefix(digest, 8) == b"%PDF-1.7"
    assert store.read_prefix(sha256_hex(b"nothing"), 8) is None


def test_large_bodies_wait_on_disk_not_in_memory():
    from benchmark.sources.fetcher import SpooledBody

    body = SpooledBody(memory_limit=1 << 20)
    for _ in range(3):
        body.write(b"\0" * (1 << 20))
    assert body._file._rolled  # spilled to a temporary file past the limit
    assert body.size == 3 << 20 and body.head(4) == b"\0\0\0\0"
    assert body.sha256 == sha256_hex(b"\0" * (3 << 20))
    assert sum(len(c) for c in body.chunks()) == 3 << 20
    body.close()
