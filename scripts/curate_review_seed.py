"""Write resources/dataset/review_decisions.csv: the analyst's review of the corpus.

This is how the review decisions of the embedded dataset were recorded: each decision names the
provision (doc, tier, benefit, period, amount), the evidence quoted from the document and, for a
correction, only the fields the analyst changed. Evidence that occurs more than once is pinned to
the occurrence after an ``after`` anchor. Run it, then ``python scripts/curate_dataset.py``.

    python scripts/curate_review_seed.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from benchmark.dataset.build import write_csv
from benchmark.dataset.review import DECISION_COLUMNS, provision_key
from benchmark.paths import resource

REPO = Path(__file__).resolve().parents[1]

# ---- corrections of hand-labelled (gold) rows: scope, district, source, status ---------------
GZ_NS = "南沙区"
CORRECTIONS = [
    # 广州.md restates the 南沙 district allowance also labelled in 广州-区级配套补充表.md: keep once.
    *[dict(decision="reject", doc="广州.md", tier=t, benefit="living_allowance", period="once",
           amount_cny=a, note="same 南沙区 provision as 广州-区级配套补充表.md; kept once there")
      for t, a in (("bachelor", 30000), ("master", 60000), ("phd", 120000))],
    dict(decision="correct", doc="广州.md", tier="high_level", benefit="other_cash", period="year",
         amount_cny=5000000, is_cap="true",
         source_url="https://czj.gz.gov.cn/gkmlpt/content/10/10407/mpost_10407704.html#603",
         note="大湾区个税补贴 '最高500万元' is a ceiling; source = 财政局 申报指南 cited in §4"),
    # 武汉 §3.2 is the city's 2022 document (武政办〔2022〕78号), not the 经开区 notice
    *[dict(decision="correct", doc="武汉.md", tier=t, benefit="rent_subsidy", period="month",
           amount_cny=a, duration_months=m,
           source_url="https://www.wuhan.gov.cn/zwgk/xxgk/zfwj/bgtwj/202206/t20220608_1983869.shtml",
           source_date="2022-06-08", note="市级 2022 文件 (武政办〔2022〕78号) per §3.2; 免缴 N 年")
      for t, a, m in (("phd", 2000, 24), ("master", 1500, 12))],
    # 武汉 §4.1 rows are 武汉经开区 (车谷) district provisions
    *[dict(decision="correct", doc="武汉.md", tier=t, benefit=b, period=p, amount_cny=a,
           scope="district", district="武汉经开区", note="§4.1 武汉经开区（车谷）区级加码")
      for t, b, p, a in (
          ("phd", "housing_purchase", "once", 150000), ("master", "housing_purchase", "once", 60000),
          ("bachelor", "housing_purchase", "once", 30000), ("phd", "other_cash", "once", 10000),
          ("master", "other_cash", "once", 6000), ("bachelor", "other_cash", "once", 3000),
          ("bachelor", "rent_subsidy", "month", 2000), ("college", "rent_subsidy", "month", 2000),
          ("master", "rent_subsidy", "month", 2000))],
    # 厦门 §1.5(3): 火炬高新区 project funding
    *[dict(decision="correct", doc="厦门.md", tier="high_level", benefit="startup_funding",
           period="once", amount_cny=a, scope="district", district="火炬高新区",
           note="§1.5(3) 厦门火炬高新区 扶持")
      for a in (500000, 1000000, 3000000, 5000000)],
    # 苏州 §4.1: every amount is a district / county-level-city provision
    *[dict(decision="correct", doc="苏州.md", tier=t, benefit="housing_purchase", period="once",
           amount_cny=a, scope="district", district="苏州工业园区",
           source_url="http://www.sipac.gov.cn/szgyyq/dthg202503/202503/ce17575869324b3caefd59f235d6023a.shtml",
           note="§4.1 苏州工业园区 房票补贴 (新闻解读口径, 待复核)")
      for t, a in (("college", 70000), ("bachelor", 100000), ("master", 150000), ("phd", 250000))],
    *[dict(decision="correct", doc="苏州.md", tier=t, benefit="housing_purchase", period="once",
           amount_cny=a, scope="district", district="昆山市", status="confirmed",
           source_url="http://www.ks.gov.cn/kss/zdjcygk/202407/a9e89b89f1fe4427bc3f794e50953489.shtml",
           note="§4.1 昆山 人才房票补贴实施细则（试行）: 正式文件已拿到")
      for t, a in (("top", 3000000), ("leading", 1200000), ("leading", 900000),
                   ("leading", 600000), ("leading", 360000), ("college", 30000),
                   ("bachelor", 80000), ("master", 120000), ("phd", 200000))],
    *[dict(decision="correct", doc="苏州.md", tier=t, benefit="housing_purchase", period="once",
           amount_cny=a, scope="district", district="常熟市", note="§4.1 常熟 人才房票 (科技局新闻)")
      for t, a in (("leading", 1500000), ("college", 40000), ("skilled", 40000))],
    dict(decision="correct", doc="苏州.md", tier="skilled", benefit="housing_purchase", period="once",
         amount_cny=100000, scope="district", district="太仓市", note="§4.1 太仓 人才房票 AHK"),
    dict(decision="correct", doc="苏州.md", tier="leading", benefit="housing_purchase", period="once",
         amount_cny=500000, scope="district", district="吴江区", note="§4.1 吴江 领军人才购房补贴"),
    # 哈尔滨 §4.5: the 5万 rural start-up subsidy is of the repealed 2020 policy (哈政规〔2020〕11号)
    dict(decision="correct", doc="哈尔滨.md", tier="any", benefit="startup_funding", period="once",
         amount_cny=50000,
         source_url="https://www.harbin.gov.cn/haerbin/c104537/202007/c01_736855.shtml",
         note="'2020年已废止政策中': source is the repealed 2020 policy, not the 2026 purchase news"),
    # 太原 §2.4: the 申报系统 front page is where to apply, not a source; same FAQ as 博士/硕士
    dict(decision="correct", doc="太原.md", tier="bachelor", benefit="housing_purchase",
         period="once", amount_cny=50000,
         source_url="http://rsj.taiyuan.gov.cn/tzgg2/20210917/1128932.html",
         note="source as for the 博士/硕士 amounts of the same list (FAQ 二, 2021-09-17)"),
    # 杭州: the gold quote first occurs in §3.1 (西部区县 repeat allowance); the city-wide
    # allowance is confirmed in §6 with the 人社局 guide
    *[dict(decision="correct", doc="杭州.md", tier=t, benefit="living_allowance", period="once",
           amount_cny=a, evidence="本科1万元、硕士3万元、博士10万元", after="应届毕业生生活补贴标准已由",
           source_url="https://hrss.hangzhou.gov.cn/art/2025/3/3/art_1229564773_1849781.html",
           note="evidence pinned to §6 (city-wide allowance), not the §3.1 西部区县 repeat")
      for t, a in (("bachelor", 10000), ("master", 30000), ("phd", 100000))],
]

# ---- provisions of documents without gold labels, read and reviewed by hand ----------------
def add(doc, tier, benefit, amount, evidence, period="once", duration=None, cap=False, amax=None,
        after=None, **extra):
    return dict(decision="add", doc=doc, tier=tier, benefit=benefit, amount_cny=amount,
                amount_max_cny=amax, period=period, duration_months=duration,
                is_cap="true" if cap else "false", evidence=evidence, after=after, **extra)


NJ_RENT = "https://rsj.nanjing.gov.cn/njsrlzyhshbzj/202603/t20260304_5799867.html"
NJ_ABROAD = "https://rsj.nanjing.gov.cn/njsrlzyhshbzj/202603/t20260305_5800737.html"
SH_CN = "https://rsj.sh.gov.cn/ttpxw_17107/20210810/t0035_1401573.html"
SH_SJ = "https://rsj.sh.gov.cn/ttpxw_17107/20210918/t0035_1402656.html"
SH_SJ2 = "https://rsj.sh.gov.cn/ttpxw_17107/20230731/t0035_1417375.html"
QD_AJ = "http://www.qingdao.gov.cn/zwgk/xxgk/rlshbz/gkml/gwfg/202404/t20240411_7983148.shtml"
ZZ_KJ = "https://public.zhengzhou.gov.cn/D0104X/9879016.jhtml"
FZ_CL = "https://www.fzcl.gov.cn/xjwz/zwgk/zfxxgk/fdzdgknr/xzfggzhgfxwj/202307/t20230705_4632263.htm"
FZ_MW = "https://www.fuzhou.gov.cn/zgfzzt/shfgfgg/dqgzzs/mwq/202504/t20250408_5001455.htm"
FZ_GL = "https://www.gl.gov.cn/xjwz/nrrh/qrsj/202311/t20231116_4718593.htm"
FZ_JA = "https://www.fzja.gov.cn/xjwz/nrrh/rlzyhshbzj/202309/t20230927_4687039.htm"

ADDS = [
    # 南京: 高校毕业生住房租赁补贴 (宁人社规〔2026〕6号), 累计不超过36个月
    add("南京.md", "college", "rent_subsidy", 500, "**500元/月**住房租赁补贴", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="大专+高级工证书; 36个月 per §1.1"),
    add("南京.md", "college", "rent_subsidy", 600, "可提高到**600元/月**", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="重点领域规上企业提标"),
    add("南京.md", "phd", "rent_subsidy", 2400, "博士：**2400元/月**", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="重点领域规上企业提标 (§1.3, §1.4)"),
    add("南京.md", "master", "rent_subsidy", 960, "硕士：**960元/月**", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="重点领域规上企业提标 (§1.3, §1.4)"),
    add("南京.md", "bachelor", "rent_subsidy", 720, "学士：**720元/月**", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="重点大学学士进入人工智能（软件）企业"),
    add("南京.md", "phd", "rent_subsidy", 2000, "**2000元/月**住房租赁补贴", "month", 36,
        source_url=NJ_RENT, source_date="2026-03-04", note="世界前200高校博士"),
    *[add("南京.md", t, "startup_funding", a, ev, source_url=NJ_ABROAD, source_date="2026-03-05",
          note="留学人员科技创新项目资助 (宁人社规〔2026〕4号)")
      for t, a, ev in (("class_A", 100000, "A类：**10万元**"), ("class_B", 50000, "B类：**5万元**"),
                       ("class_C", 30000, "C类：**3万元**"))],
    add("南京.md", "high_level", "research_funding", 1000000, "给予**最高100万元项目资助**",
        cap=True, source_url=NJ_ABROAD, source_date="2026-03-05",
        note="企业专家工作室引进海外高层次人才研发攻关"),
    # 上海: district housing support (区级/功能区口径)
    add("上海.md", "any", "rent_subsidy", 1600, "符合条件的人才可申请**每人每月1600元**租房补贴",
        "month", 24, scope="district", district="长宁区", source_url=SH_CN, source_date="2021-08-10",
        note="长宁区; 累计不超过24个月"),
    add("上海.md", "any", "rent_subsidy", 675, "公开报道口径为**675元—4500元/月**", "month",
        amax=4500, scope="district", district="松江区", source_url=SH_SJ, source_date="2021-09-18",
        status="to_check", note="松江 G60 积分达标人才; 公开报道口径"),
    add("上海.md", "top", "housing_purchase", 10000000, "对作出卓越贡献的杰出人才给予**最高1000万元购房补贴**",
        cap=True, scope="district", district="松江区", source_url=SH_SJ2, source_date="2023-07-31",
        status="to_check", note="杰出人才 -> top; 文中要求高额口径再复核"),
    # 青岛: 市级 高校毕业生住房补贴 + 一次性安家费 (青人社发〔2024〕7号)
    add("青岛.md", "bachelor", "rent_subsidy", 500, "本科：**500 元 / 月**", "month", 36,
        note="市级高校毕业生住房补贴; 最长 36 个月"),
    add("青岛.md", "master", "rent_subsidy", 800, "**800 元 / 月**", "month", 36,
        note="市级高校毕业生住房补贴; 最长 36 个月"),
    add("青岛.md", "phd", "rent_subsidy", 1200, "**1200 元 / 月**", "month", 36,
        note="市级高校毕业生住房补贴; 最长 36 个月"),
    add("青岛.md", "master", "settling_allowance", 100000, "硕士：**10 万元 / 人，一次性发放**",
        source_url=QD_AJ, source_date="2024-04-11", note="青人社发〔2024〕7号"),
    add("青岛.md", "phd", "settling_allowance", 150000, "博士：**15 万元 / 人，一次性发放**",
        source_url=QD_AJ, source_date="2024-04-11", note="青人社发〔2024〕7号"),
    # 郑州: 《郑州市进一步支持科技创新若干政策措施》(2026)
    add("郑州.md", "young", "research_funding", 100000,
        "对**青年科技人才**按“人才+项目”模式给予**最高 10 万元支持**", cap=True,
        source_url=ZZ_KJ, note="青年科技人才 人才+项目"),
    add("郑州.md", "high_level", "research_funding", 600000,
        "对**外国专家工作室**、**高端外国专家技术合作项目**分别给予**最高 60 万元支持**", cap=True,
        source_url=ZZ_KJ, note="高端外国专家 -> high_level; 项目经费"),
    add("郑州.md", "high_level", "other_cash", 200000,
        "对外籍高层次人才国际交流项目每名来访专家给予**最高 20 万元支持**", cap=True,
        source_url=ZZ_KJ, note="国际交流项目, per visiting expert"),
    add("郑州.md", "young", "other_cash", 30000,
        "对中青年人才国际化培养项目给予**每人 3 万—10 万元支持**", amax=100000,
        source_url=ZZ_KJ, note="中青年人才国际化培养"),
    # 福州: 市级 一次性生活补贴 (本科及以上应届生, 技工院校预备技师班及以上)
    *[add("福州.md", t, "living_allowance", 10000, "**1 万元/人，一次性发放。**", source_url=FZ_JA,
          source_date="2023-09-27", note="在榕就业创业一次性生活补贴; 晋安区办事指南 documents the city policy")
      for t in ("bachelor", "master", "phd", "vocational")],
    *[add("福州.md", t, "other_cash", a, ev, source_url=FZ_GL, source_date="2023-11-16",
          note="福州市双一流高校毕业生落地奖励 (鼓楼区办事指南); 3年劳动合同")
      for t, a, ev in (("master", 30000, "**硕士 3 万元/人**"), ("bachelor", 15000, "**本科 1.5 万元/人**"))],
]

# talent_subsidies_by_city.xlsx: the decisions on its rows are data, recorded directly in
# review_decisions.csv (doc ``talent_subsidies_by_city.xlsx#R<row>``, one decision per extractor
# candidate of every row that states an amount, plus rows the extractor misses). This script
# keeps them as they are: see ``table_row_decisions``.
XLSX_ROW_DOC = "talent_subsidies_by_city.xlsx#R"

# 福州 长乐区 / 马尾区 人才住房: 1型…6型 are defined as lists of other tiers (spec: use those)
CL_TYPES = {1: ("top", "class_A"), 2: ("class_B", "class_C", "class_D"), 3: ("class_E", "phd"),
            4: ("class_F", "master"), 5: ("bachelor",), 6: ("college",)}
MW_TYPES = {1: ("top", "class_A"), 2: ("class_B", "class_C", "class_D"),
            3: ("class_E", "phd", "skilled"), 4: ("master",),
            5: ("class_F", "skilled", "bachelor", "vocational")}
CL_BUY = {1: "150", 2: "80", 3: "50", 4: "20", 5: "10", 6: "5"}
CL_RENT = {1: "5000", 2: "3000", 3: "2500", 4: "1500", 5: "1000", 6: "500"}
MW_BUY = {1: "180", 2: "100", 3: "50", 4: "20", 5: "10"}
MW_RENT = {1: "5500", 2: "3500", 3: "2500", 4: "1500", 5: "1000"}
for district, types, buy, rent, url, anchor_buy, anchor_rent in (
    ("长乐区", CL_TYPES, CL_BUY, CL_RENT, FZ_CL, "### 长乐区购房补贴标准", "### 长乐区租赁补贴标准"),
    ("马尾区", MW_TYPES, MW_BUY, MW_RENT, FZ_MW, "### 马尾区购房补贴标准", "### 马尾区租赁补贴标准"),
):
    for n, tiers in types.items():
        for tier in tiers:
            ADDS.append(add("福州.md", tier, "housing_purchase", int(buy[n]) * 10000,
                            f"**{n}型：{buy[n]} 万元**", after=anchor_buy, scope="district",
                            district=district, source_url=url,
                            note=f"{district}人才住房保障 {n}型; 按3年40/30/30发放 (one total)"))
            ADDS.append(add("福州.md", tier, "rent_subsidy", int(rent[n]), f"**{n}型：{rent[n]} 元/月**",
                            "month", 36, after=anchor_rent, scope="district", district=district,
                            source_url=url, note=f"{district}人才住房保障 {n}型; 最长3年"))

# ---- candidates considered and rejected (kept so a re-extraction does not ask again) -------
REJECTS = [
    dict(decision="reject", doc="福州.md", tier="master", benefit="talent_allowance", period="year",
         amount_cny=50000, evidence="**硕士 5 万元/人/年**",
         note="福建省工科类青年专业人才奖励: a provincial programme, not a 福州 provision"),
    dict(decision="reject", doc="福州.md", tier="phd", benefit="talent_allowance", period="year",
         amount_cny=150000, evidence="**博士、期满出站博士后 15 万元/人/年**",
         note="福建省工科类青年专业人才奖励: a provincial programme, not a 福州 provision"),
    dict(decision="reject", doc="深圳各区本科硕士补贴清单.md", tier="phd", benefit="living_allowance",
         period="once", amount_cny=100000, evidence="**深圳市级统一稳定补贴是博士 10 万元生活补贴**",
         note="restates the city-level allowance curated from 深圳.md; kept once there"),
    dict(decision="reject", doc="天津.md", tier="any", benefit="other_cash", period="once",
         amount_cny=100000, evidence="**累计缴纳个人所得税10万元以上**",
         note="a tax-paid threshold for 落户, not a benefit"),
    dict(decision="reject", doc="北京.md", tier="any", benefit="startup_funding", period="once",
         amount_cny=50000000, evidence="自主投入**5000万元以上**",
         note="an investment threshold for 落户, not a benefit"),
]


# ---- review of the feature candidates (FeatureExtractor over the corpus) --------------------
A, R = "accept", "reject"
HZ_POLICE = "https://police.hangzhou.gov.cn/art/2025/9/5/art_1229456313_4401129.html"
FEATURE_REVIEW = [
    ("上海.md", "talent_apartment", "correct", dict(evidence="同时有区筹公租房优先配租和人才公寓",
     source_url=SH_CN,
     note="长宁区 example; the intro line only says support is district-level")),
    ("东莞.md", "settle_before_job", A, {}), ("东莞.md", "hukou_min_degree", A, {}),
    ("东莞.md", "hukou_age_limit_bachelor", A, {}), ("东莞.md", "talent_apartment", A, {}),
    ("东莞.md", "children_schooling", A, {}), ("东莞.md", "spouse_employment", A, {}),
    ("东莞.md", "one_stop_service", R, dict(note="医院绿色通道 is a medical service, not a service window")),
    ("佛山.md", "talent_apartment", A, {}), ("佛山.md", "children_schooling", A, {}),
    ("佛山.md", "one_stop_service", A, {}),
    ("北京-区级安居配套补充表.md", "talent_apartment", R, dict(note="table header, not a statement")),
    ("北京-区级安居配套补充表.md", "one_stop_service", R, dict(note="no service window stated")),
    ("北京.md", "hukou_age_limit_bachelor", A, dict(note="引进毕业生落户: 本科26周岁以下")),
    ("北京.md", "talent_apartment", "correct", dict(status="to_check",
     note="区级/园区实践, the text asks for citable originals")),
    ("北京.md", "one_stop_service", A, dict(note="人才引进绿色通道, 最快5个工作日")),
    ("南宁.md", "one_stop_service", A, {}),
    ("南昌.md", "talent_apartment", A, {}),
    ("南昌.md", "children_schooling", R, dict(note="listed under '高度可能存在': not established")),
    ("南昌.md", "one_stop_service", R, dict(note="a guess about district windows")),
    ("厦门.md", "hukou_social_security_months", "correct", dict(value="3",
     evidence="岛外存在“租赁备案+居住登记+3个月社保”", note="岛外 3 months; 岛内 2 years")),
    ("合肥.md", "talent_apartment", R, dict(note="generic list ('通常包括'); the summary cites no source")),
    ("哈尔滨.md", "talent_apartment", R, dict(note="conditional ('即便存在')")),
    ("天津.md", "hukou_age_limit_bachelor", A, {}),
    ("天津.md", "talent_apartment", A, dict(note="天津经开区 认定结果 of 天津市人才公寓")),
    ("太原.md", "one_stop_service", A, {}),
    ("宁波.md", "talent_apartment", R, dict(note="only a hint to check 鄞州")),
    ("广州-区级配套补充表.md", "talent_apartment", A, {}),
    *[("广州.md", f, "correct", dict(
        source_url="https://www.gz.gov.cn/zt/gzrczcfw/zcztc/rcrs/zcwj/content/post_10509378.html",
        note="人才绿卡 benefits (§1.4): source is the 人才绿卡制度实施办法, not the 入户办法"))
      for f in ("talent_apartment", "price_capped_housing", "children_schooling", "one_stop_service")],
    ("成都.md", "hukou_age_limit_bachelor", A, {}), ("成都.md", "talent_apartment", A, {}),
    ("成都.md", "children_schooling", R, dict(note="vague ('再去衔接')")),
    ("无锡.md", "settle_before_job", A, {}),
    ("昆明.md", "talent_apartment", A, {}),
    ("昆明.md", "children_schooling", R, dict(note="a list of what to check")),
    ("昆明.md", "spouse_employment", R, dict(note="a list of what to check")),
    ("昆明.md", "one_stop_service", R, dict(note="西山区 direction to check")),
    *[("杭州.md", f, "correct", dict(source_url=HZ_POLICE,
       note="落户 rules: the 公安局 reply of 2025-09-05 (§4), not the housing-fund notice"))
      for f in ("settle_before_job", "hukou_min_degree", "hukou_age_limit_bachelor")],
    ("杭州.md", "hukou_social_security_months", R,
     dict(note="1 month is the 职称 route; graduates need only an employer")),
    ("杭州.md", "children_schooling", "correct", dict(
        source_url="https://hrss.hangzhou.gov.cn/art/2022/7/29/art_1229196787_4072857.html",
        note="A-F类 服务待遇, confirmed by the 人社局 reply of 2022-07-29 (§6)")),
    ("武汉.md", "settle_before_job", A, {}), ("武汉.md", "hukou_min_degree", A, {}),
    ("武汉.md", "hukou_age_limit_bachelor", A, {}), ("武汉.md", "talent_apartment", A, {}),
    ("沈阳.md", "talent_apartment", R, dict(note="a question, not a statement")),
    ("济南.md", "talent_apartment", R, dict(note="not found by the source")),
    ("深圳.md", "hukou_age_limit_bachelor", A, dict(note="在职人才引进: 本科以上 45周岁以下")),
    ("珠海.md", "hukou_age_limit_bachelor", R, dict(note="age limit of the 一免两减 housing scheme")),
    ("石家庄.md", "talent_apartment", R, dict(note="a question to the reader")),
    ("石家庄.md", "children_schooling", A, dict(note="人才绿卡 services")),
    ("石家庄.md", "one_stop_service", A, dict(note="政务绿色通道 for 认定人才")),
    ("福州.md", "hukou_social_security_months", R, dict(note="3 months is for the 生活补贴")),
    ("福州.md", "talent_apartment", A, {}), ("福州.md", "price_capped_housing", A, {}),
    ("苏州.md", "talent_apartment", A, {}),
    ("苏州.md", "one_stop_service", R, dict(note="购房绿色通道 in a source title")),
    ("西安.md", "talent_apartment", "correct",
     dict(evidence="更容易进入**人才公寓、安居保障、购房支持、项目资助、团队引进**等政策池")),
    ("西安.md", "children_schooling", R, dict(note="vague ('再承接')")),
    ("郑州.md", "talent_apartment", R, dict(note="says it depends on districts")),
    ("重庆.md", "talent_apartment", A, {}),
    ("重庆.md", "children_schooling", R, dict(note="vague ('更方便衔接')")),
    ("长春.md", "talent_apartment", R, dict(note="'可能涉及'")),
    ("长春.md", "children_schooling", "correct",
     dict(evidence="安居、住房、医疗、子女教育、配偶安置、绿色通道等综合服务")),
    ("长春.md", "spouse_employment", A, {}),
    ("长春.md", "one_stop_service", "correct",
     dict(evidence="安居、住房、医疗、子女教育、配偶安置、绿色通道等综合服务")),
    ("长沙.md", "talent_apartment", A, {}), ("长沙.md", "one_stop_service", A, {}),
    # stated in the text in a form the rules do not catch
    ("深圳.md", "hukou_min_degree", "add", dict(value="college", evidence="普通高等教育**专科以上学历**，**35周岁以下**",
     note="在职人才引进 学历型: 专科以上 35周岁以下")),
    ("西安.md", "hukou_min_degree", "add", dict(value="college", evidence="大专、本科、硕士、博士均存在落户通道")),
    *[("广州.md", f, "add", dict(value=v,
       evidence="**国内普通高校全日制本科+学士学位**、或**国（境）外学士学位**、或**中级职称**：**40周岁以下**",
       source_url="https://www.gz.gov.cn/zt/gzrczcfw/zcztc/rcrs/zcwj/content/post_10509375.html",
       note="学历型入户 (广州市引进人才入户管理办法, 2025 重新发布)"))
      for f, v in (("hukou_min_degree", "bachelor"), ("hukou_age_limit_bachelor", "40"))],
]


def write_feature_review() -> None:
    from benchmark.dataset.features import FEATURE_REVIEW_COLUMNS

    rows = [{"doc": doc, "feature": feat, "decision": dec, **extra}
            for doc, feat, dec, extra in FEATURE_REVIEW]
    table = pd.DataFrame(rows).reindex(columns=FEATURE_REVIEW_COLUMNS)
    path = write_csv(table, resource("dataset", "feature_review.csv"))
    print(f"{len(table)} feature review decisions -> {path}")


# Extraction candidates (benchmark.provisions) of the documents without gold that are not right
# as extracted. Each was read against the text: the real provisions among them are curated
# above as `add` rows with the right tier/benefit/district; the rest are not provisions.
EXTRACTOR_REJECT_NOTES = {
    "上海.md": "个税 threshold (not a benefit) or a 长宁/松江 district row curated above",
    "南京.md": "wrong benefit (项目资助 read as 租房/创业); curated above as startup/research funding",
    "深圳各区本科硕士补贴清单.md": "restates the city-level allowance curated from 深圳.md",
    "福州.md": ("1-6型 are lists of tiers (spec): curated above per listed tier and district; "
                "summary-table repeats, the provincial 工科 reward and hedged mentions are not provisions"),
    "郑州.md": "wrong tier/benefit or a 待复核 mention; curated above as young/high_level funding",
    "青岛.md": "rent per m² of talent housing (a price, not a benefit) or wrong benefit; "
               "curated above as rent_subsidy / settling_allowance",
}


def gold_accepts(corpus: Path, gold: Path, decided: set[str]) -> list[dict]:
    """Hand-labelled gold records are reviewed rows: record them as accepted."""
    import json

    rows = []
    for path in sorted(gold.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            key = provision_key(rec["doc"], rec["tier"], rec["benefit"], rec["period"],
                                rec["amount_cny"])
            if key in decided:
                continue
            decided.add(key)
            rows.append({"key": key, "decision": "accept", "note": "hand-labelled gold",
                         **{c: rec[c] for c in ("doc", "tier", "benefit", "period", "amount_cny")}})
    return rows


def extractor_rejects(corpus: Path, gold: Path, decided: set[str]) -> list[dict]:
    """Reject decisions for extractor candidates nobody accepted (when the extractor exists)."""
    try:
        from benchmark.provisions import extract_text
    except ImportError:
        return []
    gold_docs = {p.name[: -len(".jsonl")] for p in gold.glob("*.jsonl")}
    rows = []
    for path in sorted(corpus.glob("*.md")):
        if path.name in gold_docs:
            note = "not in the hand-labelled gold of this document (extractor error)"
        elif path.name in EXTRACTOR_REJECT_NOTES:
            note = EXTRACTOR_REJECT_NOTES[path.name]
        else:
            continue
        for rec in extract_text(path.read_text(encoding="utf-8"), path.name):
            key = provision_key(rec["doc"], rec["tier"], rec["benefit"], rec["period"],
                                rec["amount_cny"])
            if key in decided:
                continue
            decided.add(key)
            rows.append({**{c: rec.get(c) for c in DECISION_COLUMNS if c in rec}, "key": key,
                         "decision": "reject", "note": note})
    return rows


def table_row_decisions(path: Path) -> pd.DataFrame:
    """The recorded decisions on the xlsx table's rows (kept as data, not regenerated)."""
    from benchmark.dataset.review import read_decisions

    decisions = read_decisions(path)
    return decisions[decisions["doc"].fillna("").str.startswith(XLSX_ROW_DOC)]


def locate(text: str, evidence: str, after: str | None) -> tuple[int, int]:
    lo = 0
    if after:
        lo = text.index(after)
    start = text.index(evidence, lo)
    return start, start + len(evidence)


def build_decisions(shared: Path, path: Path) -> pd.DataFrame:
    """The decisions table: the reviews written above, the table-row decisions kept from
    ``path``, gold labels as accepted and the extractor's other candidates as rejected."""
    corpus = shared / "policy_corpus"
    rows = []
    texts = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.md")}
    for spec in [*CORRECTIONS, *ADDS, *REJECTS]:
        spec = dict(spec)
        after = spec.pop("after", None)
        if spec.get("evidence"):
            text = texts[spec["doc"]]
            spec["start"], spec["end"] = locate(text, spec["evidence"], after)
        # a correction keeps the candidate's key (the candidate had no district); an added row
        # is identified with its district
        district = spec.get("district") if spec["decision"] == "add" else None
        spec["key"] = provision_key(spec["doc"], spec["tier"], spec["benefit"], spec["period"],
                                    spec["amount_cny"], district)
        rows.append(spec)
    rows += table_row_decisions(path).to_dict("records")
    decided = {r["key"] for r in rows}
    rows += gold_accepts(corpus, shared / "gold", decided)
    rows += extractor_rejects(corpus, shared / "gold", decided)
    table = pd.DataFrame(rows).reindex(columns=DECISION_COLUMNS)
    for col in ("start", "end", "duration_months"):
        table[col] = table[col].astype("Int64")
    if table["key"].duplicated().any():
        dup = table.loc[table["key"].duplicated(), "key"].tolist()
        print(f"note: {len(dup)} decisions repeat a key (same provision twice), first kept: {dup[:5]}")
        table = table.drop_duplicates("key", keep="first")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    path = resource("dataset", "review_decisions.csv")
    table = build_decisions(args.shared, path)
    write_csv(table, path)
    print(f"{len(table)} review decisions -> {path}")
    write_feature_review()
    return 0


if __name__ == "__main__":
    sys.exit(main())
