"""`talentbench parse` over a real raw store: texts, table, incremental runs, resume, errors."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmark.documents.parse import COLUMNS, DocumentStage
from benchmark.raw_store import RawStore, sha256_hex

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
# (fixture, content type, city, url)
FETCHES = [
    ("shanghai_gbk_declared.html", "text/html", "上海",
     "https://www.shanghai.gov.cn/nw12344/20201123/c6bfbdba6f2346b1a40d7f5b4d776ac6.html"),
    ("shanghai_notice.pdf", "application/octet-stream", "上海", "https://www.shanghai.gov.cn/att/notice.pdf"),
    ("fuzhou_gbk_undeclared.html", "text/html", "福州",
     "https://www.fuzhou.gov.cn/zwgk/gb/202501/t20250105_4956376.htm"),
    ("fuzhou_with_tables.docx", None, "福州", "https://www.fuzhou.gov.cn/att/list.docx"),
    ("zip_bomb.docx", None, "福州", "https://www.fuzhou.gov.cn/att/bomb.docx"),
    ("legacy_notice.wps", None, "福州", "https://www.fuzhou.gov.cn/att/notice.wps"),
    # the same body under a second URL of the same city: one document
    ("fuzhou_gbk_undeclared.html", "text/html", "福州", "https://www.fuzhou.gov.cn/mirror.htm"),
]  # fmt: skip
# Navigation the crawler went through: not documents (unless --all-pages).
NAVIGATION = [
    ("huangpu_gb18030_declared.html", "text/html", "广州", "https://www.gz.gov.cn/gfxwj/", "list"),
    ("policy_feed.xml", "text/plain", "广州", "https://www.gz.gov.cn/robots.txt", "robots"),
]


def _fill(store: RawStore, fetches=FETCHES) -> None:
    rows = []
    for name, content_type, city, url, *role in fetches:
        body = (FIXTURES / name).read_bytes()
        rows.append(dict(url=url, final_url=url, status=200, outcome="stored", content_type=content_type,
                         sha256=store.put(body), size=len(body), city=city,
                         role=role[0] if role else "article", anchor_text=None))  # fmt: skip
    store.record_many(rows)


def _path_without_libreoffice(tmp_path: Path) -> str:
    """A PATH with pdftotext and nothing else, so LibreOffice is absent on any machine."""
    import shutil

    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    pdftotext = shutil.which("pdftotext")
    if pdftotext and not (folder / "pdftotext").exists():
        (folder / "pdftotext").symlink_to(pdftotext)
    return str(folder)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_without_libreoffice(tmp_path))
    _fill(RawStore(tmp_path / "data" / "raw"), FETCHES + NAVIGATION)
    return tmp_path


def _run(home: Path, **params):
    return DocumentStage(timeout=30, **params).run(RawStore(home / "data" / "raw"), home)


def _table(home: Path) -> pd.DataFrame:
    return pd.read_parquet(home / "data" / "processed" / "documents.parquet")


def test_first_run_writes_texts_and_the_table(home):
    summary = _run(home)
    assert (summary.ok, summary.unchanged) == (4, 0)
    assert dict(summary.failed) == {"zip-bomb": 1} and dict(summary.skipped) == {"needs-libreoffice": 1}
    assert summary.line() == (
        "parsed 6 (ok 4, skipped 1, failed 1); unchanged 0; "
        "skipped by reason: needs-libreoffice 1; failed by reason: zip-bomb 1"
    )
    table = _table(home)
    assert list(table.columns) == list(COLUMNS) and "text" not in table.columns
    assert len(table) == 6 and table["doc_id"].is_unique
    pdf = table[table["url"].str.endswith("notice.pdf")].iloc[0]
    assert pdf["doc_id"] == sha256_hex((FIXTURES / "shanghai_notice.pdf").read_bytes())
    assert pdf["text_path"] == f"data/interim/documents/上海/{pdf['doc_id']}.txt"
    text = (home / pdf["text_path"]).read_text(encoding="utf-8")
    assert "有效期至2025年11月30日" in text and len(text) == pdf["n_chars"]
    assert pdf["doc_number"] == "沪府规〔2020〕25号" and pdf["source_type"] == "pdf"
    failed = table[table["status"] != "ok"]
    assert failed["text_path"].isna().all() and (failed["reason"].str.len() > 0).all()
    import duckdb

    with duckdb.connect(str(home / "data" / "processed" / "talentbench.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone() == (4,)


def test_second_run_parses_nothing_and_force_parses_everything(home):
    _run(home)
    before = _table(home)
    again = _run(home)
    assert (again.parsed, again.unchanged) == (0, 6)
    after = _table(home)
    assert after["parsed_at"].tolist() == before["parsed_at"].tolist()
    forced = _run(home, force=True)
    assert (forced.parsed, forced.unchanged) == (6, 0)


def test_lost_text_file_and_new_version_are_parsed_again(home):
    _run(home)
    table = _table(home)
    lost = table[table["source_type"] == "docx"].dropna(subset=["text_path"]).iloc[0]
    (home / lost["text_path"]).unlink()
    store = RawStore(home / "data" / "raw")
    # the Shanghai page changes: its new body replaces the old one in the table
    _fill(store, [("shanghai_gbk_undeclared.html", "text/html", "上海", FETCHES[0][3])])
    summary = _run(home)
    assert (summary.parsed, summary.unchanged) == (2, 4)
    table = _table(home)
    assert (home / lost["text_path"]).is_file()
    page = table[table["url"] == FETCHES[0][3]]
    assert len(page) == 1
    assert page.iloc[0]["doc_id"] == sha256_hex((FIXTURES / "shanghai_gbk_undeclared.html").read_bytes())


def test_navigation_pages_only_with_all_pages(home):
    assert _run(home).parsed == 6
    assert "广州" not in set(_table(home)["city"])
    everything = _run(home, all_pages=True)  # the list page; robots.txt is never a document
    assert (everything.parsed, everything.unchanged) == (1, 6)
    assert _table(home).query("city == '广州'")["url"].tolist() == ["https://www.gz.gov.cn/gfxwj/"]


def test_cities_filter_and_limit_resume_where_they_stopped(home):
    first = _run(home, cities=["上海"])
    assert first.parsed == 2 and set(_table(home)["city"]) == {"上海"}
    partial = _run(home, limit=1)
    assert (partial.parsed, len(_table(home))) == (1, 3)
    rest = _run(home)
    assert (rest.parsed, rest.unchanged, len(_table(home))) == (3, 3, 6)


class _InterruptingStore(RawStore):
    """The raw store, but the user presses Ctrl-C while the third body is read."""

    reads = 0

    def read(self, sha256):
        type(self).reads += 1
        if type(self).reads == 3:
            raise KeyboardInterrupt
        return super().read(sha256)


def test_interrupted_run_keeps_its_work(home):
    with pytest.raises(KeyboardInterrupt):
        DocumentStage(timeout=30).run(_InterruptingStore(home / "data" / "raw"), home)
    assert len(_table(home)) == 2
    resumed = _run(home)
    assert (resumed.parsed, resumed.unchanged) == (4, 2)


def talentbench(*args, home):
    env = {"TALENTBENCH_HOME": str(home), "PATH": _path_without_libreoffice(home)}
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


def test_cli_parse_prints_a_summary(home):
    done = talentbench("parse", "--no-progress", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("parsed 6 (ok 4, skipped 1, failed 1)")
    again = talentbench("parse", "--cities", "上海,福州", home=home)
    assert again.returncode == 0 and "unchanged 6" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "--raw-dir", "nowhere"], "no raw store at"),
        (["parse", "--timeout", "0"], "--timeout must be a number of seconds > 0"),
        (["parse", "--site-xpaths", "missing.yaml"], "cannot read site XPath table"),
    ],
)
def test_cli_parse_bad_input_is_one_line(tmp_path, args, message):
    done = talentbench(*args, home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and message in done.stderr
    assert "Traceback" not in done.stderr


def test_parsed_texts_flow_into_extract(tmp_path, shared_data):
    # A real policy text (served as plain text) goes raw store → parse → extract, and the
    # extractor's evidence spans index the text file that parse wrote.
    import json

    store = RawStore(tmp_path / "data" / "raw")
    body = (shared_data / "policy_corpus" / "厦门.md").read_bytes()
    store.record(url="https://example.gov.cn/xiamen.txt", status=200, outcome="stored",
                 content_type="text/plain; charset=utf-8", sha256=store.put(body), city="厦门")  # fmt: skip
    assert _run(tmp_path).ok == 1
    path = tmp_path / _table(tmp_path).iloc[0]["text_path"]
    done = talentbench("extract", str(path), home=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    text = path.read_text(encoding="utf-8")
    assert len(records) >= 5
    assert all(r["doc"] == path.name and text[r["start"] : r["end"]] == r["evidence"] for r in records)


def test_damaged_table_is_reported_and_force_rebuilds_it(home):
    from benchmark.errors import TalentbenchError

    _run(home)
    (home / "data" / "processed" / "documents.parquet").write_bytes(b"not parquet")
    with pytest.raises(TalentbenchError, match="run with --force to rebuild it"):
        _run(home)
    assert _run(home, force=True).parsed == 6 and len(_table(home)) == 6
