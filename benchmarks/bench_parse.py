"""Measure `talentbench parse` (the documents stage) on a raw store of fixture-like bodies.

    python benchmarks/bench_parse.py [--n 600]

Builds a temporary raw store with ``--n`` distinct bodies made from the parser fixtures (the
Chinese government pages in their encodings, the PDFs, DOCX, XLSX and the hostile files; each
made unique so none is deduplicated), then runs the stage and prints:

1. the first run: bodies per second, time per body by format, outcomes;
2. a second run with nothing new: how long an incremental no-op takes;
3. a third run after 10 % of the URLs got a new version.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmark.documents.parse import DocumentStage, read_documents
from benchmark.raw_store import RawStore

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "documents"
KINDS = {
    ".html": ("text/html", 6),
    ".pdf": ("application/pdf", 3),
    ".docx": (None, 1),
    ".xlsx": (None, 1),
    ".xml": ("application/xml", 1),
    ".doc": ("application/msword", 1),
    ".wps": (None, 1),
}
CITIES = ("上海", "福州", "广州", "杭州")


def unique(body: bytes, suffix: str, tag: int) -> bytes:
    """The same document with a harmless difference, so each copy is a distinct body."""
    if suffix == ".html":
        return body + f"<!-- copy {tag} -->".encode()
    if suffix == ".pdf":
        return body + f"\n% copy {tag}\n".encode()  # after %%EOF: ignored by readers
    if suffix == ".xml":
        return body + f"<!-- copy {tag} -->".encode()
    return body + b"\x00" * (tag % 7) if suffix in {".doc", ".wps"} else body


def build_store(root: Path, n: int, version: int = 0) -> list[dict]:
    store = RawStore(root)
    files = sorted(p for p in FIXTURES.iterdir() if p.suffix in KINDS)
    weighted = [p for p in files for _ in range(KINDS[p.suffix][1])]
    rows = []
    for i in range(n):
        path = weighted[i % len(weighted)]
        body = unique(path.read_bytes(), path.suffix, i * 10 + version)
        if path.suffix in {".docx", ".xlsx"} and i >= len(weighted):
            continue  # zip bodies cannot be varied harmlessly; one copy each
        rows.append(dict(url=f"https://www.example.gov.cn/{i}/{path.name}", status=200,
                         outcome="stored", content_type=KINDS[path.suffix][0], sha256=store.put(body),
                         size=len(body), city=CITIES[i % len(CITIES)], role="article"))  # fmt: skip
    store.record_many(rows)
    return rows


def run(stage_root: Path, store_root: Path, label: str) -> None:
    per_kind: dict[str, list[float]] = defaultdict(list)
    last = [time.perf_counter()]
    outcomes: Counter[str] = Counter()

    def on_document(document) -> None:
        now = time.perf_counter()
        per_kind[document.source_type].append(now - last[0])
        last[0] = now
        outcomes[document.status] += 1

    started = time.perf_counter()
    summary = DocumentStage(timeout=60).run(
        RawStore(store_root), stage_root,
        on_start=lambda _n: last.__setitem__(0, time.perf_counter()), on_document=on_document,
    )  # fmt: skip
    wall = time.perf_counter() - started
    print(f"\n{label}: {wall:.2f} s wall; {summary.line()}")
    if summary.parsed:
        print(f"  {summary.parsed / wall:.1f} bodies/s overall (worker start-up and table writes included)")
        for kind, times in sorted(per_kind.items()):
            print(f"  {kind:6s} n={len(times):4d}  per body: mean {1000 * sum(times) / len(times):7.1f} ms  "
                  f"max {1000 * max(times):7.1f} ms")  # fmt: skip


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--n", type=int, default=600)
    options = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store_root = root / "data" / "raw"
        rows = build_store(store_root, options.n)
        print(f"raw store: {len(rows)} fetches of {len({r['sha256'] for r in rows})} distinct bodies")
        run(root, store_root, "first run")
        run(root, store_root, "second run, nothing new")
        store = RawStore(store_root)
        changed = [dict(r, sha256=store.put(store.read(r["sha256"]) + b"\n<!-- v2 -->"))
                   for r in rows[:: 10] if r["url"].endswith(".html")]  # fmt: skip
        store.record_many(changed)
        run(root, store_root, f"third run, {len(changed)} pages changed")
        table = read_documents(root)
        print(f"\ndocuments table: {len(table)} rows, {int(table['n_chars'].sum()):,} characters of text")


if __name__ == "__main__":
    main()
