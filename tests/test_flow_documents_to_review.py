"""Documents flow on: raw store → parse → extract → review queue, with provenance from parse."""

import json
import subprocess
import sys

import pandas as pd

from benchmark.raw_store import RawStore

URL = "https://www.xm.gov.cn/zwgk/flfg/sfwj/202312/t20231208_2796611.htm"


def talentbench(*args, home):
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True,
                          cwd=home, env={"TALENTBENCH_HOME": str(home), "PATH": ""}, timeout=300)


def test_parsed_official_text_reaches_the_review_queue_with_its_city_and_url(tmp_path, shared_data):
    store = RawStore(tmp_path / "data" / "raw")
    body = (shared_data / "policy_corpus" / "厦门.md").read_bytes()
    store.record(url=URL, status=200, outcome="stored", content_type="text/plain; charset=utf-8",
                 sha256=store.put(body), city="厦门", role="article")
    parsed = talentbench("parse", "--no-progress", home=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    documents = pd.read_parquet(tmp_path / "data" / "processed" / "documents.parquet")
    text_path = tmp_path / documents.iloc[0]["text_path"]

    extracted = talentbench("extract", str(text_path), home=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text(extracted.stdout, encoding="utf-8")
    n_candidates = len(extracted.stdout.splitlines())
    assert n_candidates >= 5

    queued = talentbench("dataset", "queue", str(candidates), "--documents",
                         str(tmp_path / "data" / "processed" / "documents.parquet"),
                         "-o", str(tmp_path / "queue.csv"), home=tmp_path)
    assert queued.returncode == 0, queued.stderr
    queue = pd.read_csv(tmp_path / "queue.csv", encoding="utf-8-sig")
    assert len(queue) == n_candidates
    assert set(queue["city"]) == {"厦门"} and set(queue["source_url"]) == {URL}
    text = text_path.read_text(encoding="utf-8")
    first = json.loads(extracted.stdout.splitlines()[0])
    assert text[first["start"]:first["end"]] == first["evidence"]
    assert first["evidence"] in set(queue["evidence"])


def test_candidates_unknown_to_the_documents_table_are_refused(tmp_path):
    candidates = tmp_path / "c.jsonl"
    candidates.write_text(json.dumps({"doc": "nope.txt", "tier": "phd", "benefit": "other_cash",
                                      "amount_cny": 1.0, "amount_max_cny": None, "period": "once",
                                      "duration_months": None, "is_cap": False, "start": 0, "end": 1,
                                      "evidence": "x"}) + "\n", encoding="utf-8")
    table = tmp_path / "documents.parquet"
    pd.DataFrame({"doc_id": ["abc"], "city": ["厦门"], "url": [URL], "issue_date": [None],
                  "publish_date": [None]}).to_parquet(table)
    outcome = talentbench("dataset", "queue", str(candidates), "--documents", str(table), "-o",
                          str(tmp_path / "q.csv"), home=tmp_path)
    assert outcome.returncode == 2
    assert outcome.stderr.strip().splitlines()[-1].startswith("talentbench: error: candidates name documents not in")
