"""The guarded worker: same results as in-process, and a hang or a crash costs one input."""

import stat
import time
from pathlib import Path

import pytest

from benchmark.documents.convert import parse_bytes
from benchmark.documents.guard import GuardedParser

FIXTURES = Path(__file__).parent / "fixtures" / "documents"


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture(scope="module")
def guarded():
    with GuardedParser(timeout=30) as parser:
        yield parser


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("shanghai_gbk_declared.html", "text/html"), ("fuzhou_with_tables.docx", None),
     ("shanghai_notice.pdf", "application/pdf"), ("zip_bomb.docx", None)],
)  # fmt: skip
def test_worker_gives_the_same_document_as_in_process(guarded, name, content_type):
    body = (FIXTURES / name).read_bytes()
    url = "https://www.shanghai.gov.cn/a"
    assert guarded.parse(body, content_type, url, city="上海") == parse_bytes(body, content_type, url, city="上海")


def test_a_hanging_converter_is_cut_by_the_time_budget(tmp_path):
    # LibreOffice that never finishes: the parser stops it within its share of the time limit
    # and reports its own reason; the worker survives.
    hang = _script(tmp_path / "soffice", "exec sleep 60\n")
    body = (FIXTURES / "legacy_notice.doc").read_bytes()
    # A limit generous enough that a loaded CI machine still reaches the converter in time.
    with GuardedParser(timeout=5.0, soffice=hang) as parser:
        doc = parser.parse(body, None, "https://a.cn/x.doc", city="杭州")
        assert (doc.status, doc.source_type, doc.city) == ("failed", "doc", "杭州")
        assert doc.reason.startswith("libreoffice-timeout: over 3.5")
        assert parser.restarts == 0


def test_a_parse_over_the_limit_is_killed_and_the_next_input_is_parsed():
    # 150 000 paragraphs keep the HTML extractor busy for seconds: the worker is killed.
    body = b"<html><body>" + "<p>人才政策</p>".encode() * 150_000 + b"</body></html>"
    with GuardedParser(timeout=1.0) as parser:
        parser.parse(b"<p>warm-up: start the worker</p>", None, "https://a.cn/")
        started = time.perf_counter()
        doc = parser.parse(body, "text/html", "https://a.cn/big.html", city="杭州")
        assert time.perf_counter() - started < 10
        assert (doc.status, doc.reason, doc.source_type, doc.city) == (
            "failed", "timeout: over 1 s", "html", "杭州",
        )  # fmt: skip
        after = parser.parse((FIXTURES / "fuzhou_gbk_undeclared.html").read_bytes(), None, "https://a.cn/")
        assert after.status == "ok" and parser.restarts == 1


def test_a_crashing_parser_is_recorded_and_replaced(tmp_path):
    # A converter that takes its parent down with SIGSEGV, as a C library bug would.
    crash = _script(tmp_path / "soffice", "kill -SEGV $PPID\n")
    body = (FIXTURES / "legacy_notice.wps").read_bytes()
    with GuardedParser(timeout=20, soffice=crash) as parser:
        doc = parser.parse(body, None, "https://a.cn/x.wps")
        assert doc.status == "failed"
        assert doc.reason == "parser-crashed: worker died (signal 11)"
        after = parser.parse((FIXTURES / "shanghai_notice.pdf").read_bytes(), None, "https://a.cn/x.pdf")
        assert after.status == "ok" and parser.restarts == 1
