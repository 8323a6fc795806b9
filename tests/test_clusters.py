import numpy as np
import pandas as pd
import pytest

from benchmark.clusters import PolicyClusters, nearest_peers
from benchmark.errors import TalentbenchError


def test_kmeans_finds_two_separated_groups_and_numbers_the_stronger_one_first():
    rng = np.random.default_rng(0)
    strong = rng.normal(80, 3, size=(5, 4))
    weak = rng.normal(20, 3, size=(6, 4))
    table = pd.DataFrame(np.vstack([strong, weak]), index=[f"c{i}" for i in range(11)])
    model = PolicyClusters().fit(table)
    assert model.k_ == 2
    assert (model.labels_.iloc[:5] == 1).all() and (model.labels_.iloc[5:] == 2).all()


def test_clusters_refuse_missing_values():
    table = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(TalentbenchError, match="impute"):
        PolicyClusters().fit(table)


def test_nearest_peers_on_census_context(shared_data):
    census = pd.read_csv(shared_data / "census_city_2010_2020.csv")
    wanted = ["北京市", "上海市", "广州市", "深圳市", "杭州市", "南京市", "太原市", "南昌市", "石家庄市"]
    census = census[census["city"].isin(wanted)].set_index("city")
    context = pd.DataFrame({
        "popu_2020": census["popu_2020"],
        "urbanisation": census["popu_urban_2020"] / census["popu_2020"],
    })
    peers = nearest_peers(context, n_peers=2).set_index("city")
    assert "上海市" in peers.loc["北京市", "peers"].split(",")
    assert "北京市" not in peers.loc["北京市", "peers"].split(",")


def test_peer_comparison_names_who_outbids_the_focus_city_and_keeps_gaps_unknown():
    from benchmark.clusters import peer_comparison

    matrix = pd.DataFrame(
        {"pkg": [40000.0, 130000.0, np.nan, 20000.0], "rent": [np.nan, 30000.0, 72000.0, 10000.0]},
        index=["杭州", "太原", "武汉", "长沙"],
    )
    table = peer_comparison(matrix, "杭州", ["太原", "武汉", "长沙"]).set_index("indicator")
    assert table.at["pkg", "outbid_by"] == "太原"
    assert table.at["pkg", "rank_among_peers"] == 2 and table.at["pkg", "n_compared"] == 3
    assert table.at["pkg", "best_peer"] == "太原"
    # Hangzhou's rent subsidy is unknown: not ranked, nobody "out-bids" an unknown.
    assert pd.isna(table.at["rent", "rank_among_peers"]) and table.at["rent", "outbid_by"] == ""
    with pytest.raises(TalentbenchError):
        peer_comparison(matrix, "北京", ["太原"])


@pytest.mark.parametrize("k", [0, 1, 5])
def test_an_impossible_number_of_clusters_is_refused(k):
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=list("abcde"))
    with pytest.raises(TalentbenchError, match="from 2 to 4"):
        PolicyClusters(n_clusters=k).fit(table)


def test_coverage_gaps_list_groups_only_peers_reach():
    from benchmark.clusters import coverage_gaps

    provisions = pd.DataFrame({
        "city": ["杭州", "杭州", "武汉", "武汉", "长沙", "郑州"],
        "tier": ["bachelor", "phd", "bachelor", "college", "college", "postdoc"],
    })
    gaps = coverage_gaps(provisions, "杭州", ["武汉", "长沙"]).set_index("tier")
    assert list(gaps.index) == ["college"]  # 郑州 is no peer; bachelor and phd are covered
    assert gaps.at["college", "peers"] == "武汉,长沙"
