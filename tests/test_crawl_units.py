"""The crawler's small parts on their own: URLs, decoding, link rules, registry, robots, backoff."""

from __future__ import annotations

import pytest

from benchmark.encoding import decode_bytes
from benchmark.errors import TalentbenchError
from benchmark.sources import (
    CrawlSettings,
    EntryPoint,
    Link,
    LinkRules,
    allowed_hosts,
    extract_links,
    load_entry_points,
    select_cities,
    select_shard,
)
from benchmark.sources.fetcher import _retry_after
from benchmark.sources.robots import RobotsRules
from benchmark.sources.urls import extension, host_key, normalize_url


@pytest.mark.parametrize(("raw", "base", "expected"), [
    ("./art/t1.html", "http://a.gov.cn/xxgk/index.html", "http://a.gov.cn/xxgk/art/t1.html"),
    ("../zcwj/a.html", "http://a.gov.cn/xxgk/tzgg/", "http://a.gov.cn/xxgk/zcwj/a.html"),
    ("//A.Gov.CN:80/x#frag", "https://b.gov.cn/", "https://a.gov.cn:80/x"),
    ("HTTP://A.GOV.CN:80/p?q=1#top", None, "http://a.gov.cn/p?q=1"),
    ("https://a.gov.cn:443", None, "https://a.gov.cn/"),
    ("  /a\\b.html ", "http://a.gov.cn/x/", "http://a.gov.cn/a/b.html"),
    ("/x/./y/../z.html", "http://a.gov.cn/", "http://a.gov.cn/x/z.html"),
    ("javascript:void(0)", "http://a.gov.cn/", None),
    ("mailto:x@a.gov.cn", "http://a.gov.cn/", None),
    ("http://[bad", None, None),
    ("", "http://a.gov.cn/", None),
])
def test_normalize_url(raw, base, expected):
    assert normalize_url(raw, base) == expected


def test_host_key_and_extension():
    assert host_key("http://127.0.0.1:8080/a") == "127.0.0.1:8080"
    assert host_key("https://www.gz.gov.cn:443/a") == "www.gz.gov.cn"
    assert extension("http://a/b/附件.DOCX") == "docx"
    assert extension("http://a/b/") == "" and extension("http://a/b.pdf?x=1") == "pdf"


@pytest.mark.parametrize(("body", "ctype"), [
    ("<html><body>人才安居补贴𠮷</body></html>".encode("gb18030"), None),  # GB18030, 4-byte char
    ("<html><body>人才安居补贴</body></html>".encode("gbk"), "text/html"),  # GBK undeclared
    ('<meta charset="gb2312"><p>人才安居补贴</p>'.encode("gbk"), None),  # meta gb2312 -> gb18030
    ("<p>人才安居补贴𠮷</p>".encode("gb18030"), "text/html; charset=utf-8"),  # wrong header
    ("<p>人才安居补贴</p>".encode("gbk"), "text/html; charset=nonsense"),  # unknown charset
    (b"\xef\xbb\xbf" + "<p>人才安居补贴</p>".encode(), "text/html; charset=gbk"),  # BOM wins
    ("<p>人才安居补贴</p>".encode(), None),  # plain UTF-8
])
def test_portal_pages_decode_to_chinese_text(body, ctype):
    assert "人才安居补贴" in decode_bytes(body, ctype).text


def test_decoding_never_raises_on_garbage():
    assert isinstance(decode_bytes(bytes(range(256)) * 10).text, str)
    assert decode_bytes(b"").text == ""


def test_extract_links_resolves_base_and_reads_titles():
    page = """<html><head><base href="http://a.gov.cn/xxgk/"></head><body>
      <a href="zcwj/1.html" title="关于人才落户的通知">关于人才落户…</a>
      <a href="javascript:void(0)">打印</a>
      <iframe src="/list/frame.html"></iframe>
      <area href="/map.html">
    </body></html>""".encode("gbk")
    links = extract_links(page, "http://a.gov.cn/index.html")
    assert links[0] == Link("http://a.gov.cn/xxgk/zcwj/1.html", "关于人才落户… 关于人才落户的通知")
    urls = [link.url for link in links]
    assert "http://a.gov.cn/list/frame.html" in urls and "http://a.gov.cn/map.html" in urls
    assert extract_links(b"", "http://a/") == [] and extract_links(b"\0\0\0", "http://a/") == []


@pytest.fixture(scope="module")
def rules():
    return LinkRules.load()


@pytest.mark.parametrize(("text", "url", "from_role", "expected"), [
    ("关于印发《高层次人才认定办法》的通知", "http://a/art/t20240105_1001.html", "listing", "article"),
    ("关于2024年公开招聘人才面试成绩的公示", "http://a/art/t2.html", "listing", None),
    ("关于做好防汛工作的通知", "http://a/art/t3.html", "listing", None),
    ("政府信息公开", "http://a/xxgk/", "listing", "section"),
    ("政府信息公开", "http://a/xxgk/", "article", None),  # nav menus on articles are not followed
    ("下一页", "http://a/zcwj/index_1.html", "listing", "pagination"),
    ("3", "http://a/zcwj/index_2.html", "listing", "pagination"),
    ("第4页", "http://a/list?page=4", "listing", "pagination"),
    ("3", "http://a/art/t20240105_3.html", "listing", None),  # an article URL is not a page number
    ("附件1：申请表.docx", "http://a/files/a.docx", "article", "attachment"),
    ("申请表", "http://a/files/a.wps", "article", "attachment"),
    ("申请表", "http://a/files/a.pdf", "listing", None),  # from a listing only when relevant
    ("人才安居申请表", "http://a/files/a.xlsx", "listing", "attachment"),
    ("人才政策", "http://a/img/banner.jpg", "listing", None),
    ("人才政策", "http://a/search?q=人才", "listing", None),
])
def test_link_rules(rules, text, url, from_role, expected):
    assert rules.classify(Link(url, text), from_role) == expected


def test_rules_file_errors_are_one_line(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("keywords: [人才]\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="Field required"):
        LinkRules.load(bad)
    bad.write_text(": : :\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="cannot read"):
        LinkRules.load(bad)


def test_settings_load_and_reject_unknown_keys(tmp_path):
    settings = CrawlSettings.load()
    assert settings.defaults.user_agent_header.startswith("talentbench/0")
    assert settings.defaults.host_interval_seconds >= 1  # polite by default
    path = tmp_path / "s.yaml"
    path.write_text("defaults: {max_retries: 1}\nhosts: {slow.gov.cn: {host_interval_seconds: 9}}\n"
                    "extra_hosts: {深圳: [files.sz.gov.cn]}\n", encoding="utf-8")
    settings = CrawlSettings.load(path)
    assert settings.for_host("slow.gov.cn").host_interval_seconds == 9
    assert settings.for_host("slow.gov.cn").max_retries == 1  # inherits the defaults
    assert settings.for_host("other.gov.cn").host_interval_seconds == 2.0
    assert settings.extra_hosts == {"深圳": ("files.sz.gov.cn",)}
    path.write_text("defaults: {max_retrys: 1}\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="max_retrys"):
        CrawlSettings.load(path)
    path.write_text("defaults: {max_retries: -1}\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="max_retries"):
        CrawlSettings.load(path)


def test_registry_loading_and_city_selection(tmp_path):
    path = tmp_path / "entry_points.csv"
    path.write_text("city,kind,url,cited_in\n深圳,hrss,http://hrss.sz.gov.cn/,x\n"
                    "深圳,housing,https://zjj.sz.gov.cn/zfbz/,x\n广州,gov_xxgk,http://www.gz.gov.cn/xxgk/,x\n",
                    encoding="utf-8")
    entries = load_entry_points(path)
    assert [e.city for e in entries] == ["深圳", "深圳", "广州"]
    assert [e.host for e in select_cities(entries, ["广州"])] == ["www.gz.gov.cn"]
    assert len(select_cities(entries, None)) == 3
    with pytest.raises(TalentbenchError, match="unknown city 杭州") as error:
        select_cities(entries, ["杭州"])
    assert "\n" not in str(error.value)
    allow = allowed_hosts(entries, {"深圳": ("files.sz.gov.cn",), "杭州": ("x.hz.gov.cn",)})
    assert allow["深圳"] >= {"hrss.sz.gov.cn", "zjj.sz.gov.cn", "files.sz.gov.cn"}
    assert allow["广州"] == {"www.gz.gov.cn", "gz.gov.cn"}  # www twins are one site
    assert "杭州" not in allow and "sz.gov.cn" not in allow["深圳"]
    assert allowed_hosts([EntryPoint("本地", "hrss", "http://127.0.0.1:8000/")]) == {
        "本地": {"127.0.0.1:8000"}}


def test_registry_example_urls_are_seeds_and_widen_the_allow_list(tmp_path):
    path = tmp_path / "entry_points.csv"
    path.write_text("city,kind,url,cited_in,example_url\n"
                    "上海,hrss,https://rsj.sh.gov.cn/,上海.md,https://rsj.sh.gov.cn/t/1.html#x\n"
                    "上海,other,https://www.sh.gov.cn/,上海.md,http://zwgk.sh.gov.cn/a.html\n"
                    "北京,other,https://www.bj.gov.cn/,北京.md,\n", encoding="utf-8")
    entries = load_entry_points(path)
    assert [e.example_url for e in entries] == [
        "https://rsj.sh.gov.cn/t/1.html", "http://zwgk.sh.gov.cn/a.html", None]
    assert allowed_hosts(entries)["上海"] >= {"rsj.sh.gov.cn", "www.sh.gov.cn", "zwgk.sh.gov.cn"}
    path.write_text("city,kind,url,example_url\n上海,hrss,https://rsj.sh.gov.cn/,not a url\n",
                    encoding="utf-8")
    with pytest.raises(TalentbenchError, match="example_url"):
        load_entry_points(path)


def test_packaged_registry_loads():
    entries = load_entry_points()
    assert len(entries) > 50
    assert all(e.url.startswith(("http://", "https://")) for e in entries)


@pytest.mark.parametrize(("content", "message"), [
    ("city,url\n深圳,http://a/\n", "lacks column"),
    ("city,kind,url\n深圳,hrss,ftp://a/\n", "line 2"),
    ("city,kind,url\n深圳,bureau,http://a/\n", "column kind: one of hrss"),
    ("city,kind,url\n", "no entry points"),
])
def test_registry_errors(tmp_path, content, message):
    path = tmp_path / "r.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TalentbenchError, match=message):
        load_entry_points(path)
    with pytest.raises(TalentbenchError, match="not found"):
        load_entry_points(tmp_path / "missing.csv")


def test_shards_partition_hosts_stably():
    entries = [EntryPoint(f"c{i}", "hrss", f"http://h{i}.gov.cn/") for i in range(200)]
    shards = [select_shard(entries, i, 4) for i in range(4)]
    assert sorted(e.url for s in shards for e in s) == sorted(e.url for e in entries)
    assert all(20 < len(s) < 80 for s in shards)
    assert select_shard(entries, 1, 4) == shards[1]
    with pytest.raises(TalentbenchError):
        select_shard(entries, 4, 4)


def test_robots_semantics_follow_rfc_9309():
    agent = "talentbench/0.1.0"
    rules = RobotsRules.from_fetch(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n")
    assert rules.can_fetch("http://a/public/x", agent)
    assert not rules.can_fetch("http://a/private/x", agent)
    assert rules.crawl_delay(agent) == 3
    targeted = RobotsRules.from_fetch(200, b"User-agent: talentbench\nDisallow: /\n")
    assert not targeted.can_fetch("http://a/x", agent)
    assert RobotsRules.from_fetch(404, None).can_fetch("http://a/x", agent)  # no robots.txt
    unreachable = RobotsRules.from_fetch(503, None)  # server error: keep out
    assert not unreachable.can_fetch("http://a/x", agent)
    assert unreachable.refusal() == ("blocked_robots", "robots_unreachable")
    assert RobotsRules.from_fetch(200, b"Disallow: /").refusal() == ("blocked_robots", "robots_disallow")
    down = RobotsRules.from_fetch(None, None)  # no HTTP answer at all
    assert not down.can_fetch("http://a/x", agent)
    assert down.refusal() == ("failed", "host_unreachable")
    garbage = RobotsRules.from_fetch(200, bytes(range(256)) * 100)
    assert garbage.can_fetch("http://a/x", agent)


def test_retry_after_is_capped():
    assert _retry_after({"retry-after": "5"}, 60) == 5
    assert _retry_after({"retry-after": "99999"}, 60) == 60
    assert _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 60) == 0
    assert _retry_after({"retry-after": "soon"}, 60) is None
    assert _retry_after({}, 60) is None
