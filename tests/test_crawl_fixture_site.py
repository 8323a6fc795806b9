"""One crawl of the fixture portal with every trap in it, checked from both ends:
the manifest the crawler wrote and the request log the servers kept."""

from __future__ import annotations

import pytest
from fixtures.sites import documents
from fixtures.sites.harness import fast_settings, manifest_by_path, write_registry
from fixtures.sites.portal import build_portal
from fixtures.sites.server import FixtureServer

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, load_entry_points

ART = "/xxgk/zcwj/art/"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    with FixtureServer() as other, FixtureServer() as server:
        site = build_portal(server.base_url, other.base_url, traps=True)
        server.routes.update(site.routes)
        registry = write_registry(tmp / "registry.csv", [("测试市", "gov_xxgk", server.base_url + "/")])
        store = RawStore(tmp / "raw")
        summary = Crawler(store, fast_settings(), seed=1).run(load_entry_points(registry))
        yield {
            "site": site, "server": server, "other": other, "store": store, "summary": summary,
            "manifest": manifest_by_path(store, server.base_url),
        }


def test_every_talent_page_and_attachment_is_stored(crawled):
    manifest = crawled["manifest"]
    stored = manifest[manifest["outcome"] == "stored"]
    assert set(stored["path"]) == crawled["site"].stored
    assert stored["url"].is_unique
    roles = dict(zip(stored["path"], stored["role"], strict=True))
    assert roles["/"] == "entry" and roles["/xxgk/"] == "section"
    assert roles["/xxgk/zcwj/index_2.html"] == "list"
    assert roles[ART + "t20240105_1001.html"] == "article"
    assert roles["/xxgk/files/rzbz.docx"] == "attachment"
    assert roles["/robots.txt"] == "robots"


def test_every_failure_is_recorded_with_its_reason(crawled):
    manifest = crawled["manifest"]
    failed = manifest[manifest["outcome"] == "failed"]
    assert dict(zip(failed["path"], failed["reason"], strict=True)) == crawled["site"].failures
    summary = crawled["summary"]
    assert summary.failed["too_large"] == 3 and summary.failed["timeout"] == 1
    assert summary.outcomes["failed"] == len(crawled["site"].failures)


def test_nothing_outside_the_allow_list_or_rules_is_requested(crawled):
    assert crawled["other"].hits == []  # the other domain never saw a single request
    manifest = crawled["manifest"]
    off = manifest[manifest["reason"] == "off_allowlist"]
    # a link to the other domain (never requested) and a redirect to it (not followed)
    assert list(off["outcome"]) == ["skipped", "failed"]
    targets = off["final_url"].fillna(off["url"]).str.replace(crawled["other"].base_url, "", regex=False)
    assert set(targets) == {"/rencai/", "/landing.html"}
    requested = set(crawled["server"].paths())
    site = crawled["site"]
    assert not requested & (site.never_requested | site.blocked)
    # every request was to a page the rules chose (or robots.txt / a redirect hop)
    assert requested <= set(site.routes) | {ART + "missing.html"}


def test_robots_txt_is_fetched_first_and_obeyed(crawled):
    paths = crawled["server"].paths()
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    manifest = crawled["manifest"]
    blocked = manifest[manifest["outcome"] == "blocked_robots"]
    assert list(blocked["path"]) == ["/private/rencai.html"]
    assert list(blocked["reason"]) == ["robots_disallow"]


def test_user_agent_says_what_it_is(crawled):
    agents = {hit.user_agent for hit in crawled["server"].hits}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith("talentbench/") and "robots.txt" in agent


def test_redirects_are_followed_and_final_url_recorded(crawled):
    manifest = crawled["manifest"].set_index("path")
    row = manifest.loc["/old/rencai.html"]
    assert row["outcome"] == "stored" and row["status"] == 200
    assert row["final_url"].endswith("/xxgk/art/moved.html")
    assert manifest.loc["/go/external.html", "final_url"].startswith(crawled["other"].base_url)
    # the loop was walked once round, not forever
    assert crawled["server"].paths().count("/loop/a.html") == 1


def test_links_found_in_every_encoding(crawled):
    anchors = crawled["manifest"].set_index("path")["anchor_text"]
    # GBK declared nowhere (listing page 1)
    assert anchors[ART + "t20240105_1001.html"] == "关于印发《测试市高层次人才认定办法》的通知"
    # GB18030 with a 4-byte character, mislabelled gb2312 in the header
    assert anchors[ART + "t20240301_1003.html"] == "测试市积分落户办法（𠮷祥镇适用）"
    # GB18030 wrongly declared as UTF-8
    assert anchors["/tzgg/2024/0301.html"] == "关于人才引进落户的通知"
    # protocol-relative and absolute links resolve to the same host
    assert anchors[ART + "t20240315_1004.html"] == "关于博士后补贴的通知"


def test_bodies_are_stored_byte_for_byte(crawled):
    store, manifest = crawled["store"], crawled["manifest"].set_index("path")
    assert store.read(manifest.loc["/xxgk/files/rzbz.docx", "sha256"]) == documents.docx_with_table()
    assert store.read(manifest.loc["/xxgk/files/lhqd.docx", "sha256"]) == documents.zip_bomb_docx()
    assert store.read(manifest.loc["/feeds/rencai.xml", "sha256"]) == documents.BILLION_LAUGHS
    page = store.read(manifest.loc[ART + "t20240301_1003.html", "sha256"])
    assert "𠮷祥镇".encode("gb18030") in page
    # nothing stored for the refused bodies
    for path in (ART + "huge.pdf", ART + "huge.html", ART + "gzbomb.html"):
        assert manifest.loc[path, "sha256"] is None or manifest.loc[path, "sha256"] != manifest.loc[path, "sha256"]


def test_retries_turn_500s_into_a_page_and_give_up_on_timeouts(crawled):
    paths = crawled["server"].paths()
    assert paths.count(ART + "flaky.html") == 3  # 500, 500, 200
    assert paths.count(ART + "slow.html") == 3  # first try + max_retries=2
    assert paths.count(ART + "missing.html") == 1  # a 404 is not retried
    manifest = crawled["manifest"].set_index("path")
    assert manifest.loc[ART + "flaky.html", "outcome"] == "stored"


def test_latest_gives_the_parser_one_row_per_stored_url(crawled):
    latest = crawled["store"].latest()
    assert latest["url"].is_unique
    assert "robots" not in set(latest["role"])  # crawl machinery, not a document
    assert len(latest) == len(crawled["site"].stored) - 1
    assert len(crawled["store"].latest(include_robots=True)) == len(crawled["site"].stored)
    assert latest["sha256"].str.len().eq(64).all()
    assert {"city", "role", "content_type", "anchor_text", "parent_url"} <= set(latest.columns)
    assert set(latest["city"]) == {"测试市"}
