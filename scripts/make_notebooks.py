"""Write the five analyst notebooks (code and prose), unexecuted: python scripts/make_notebooks.py notebooks"""
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCRATCH = ("import os, tempfile\nfrom pathlib import Path\n\n"
           "# Outputs go to a scratch folder so exploring never overwrites the project's tables.\n"
           "workdir = Path(os.environ.get('TALENTBENCH_HOME') or tempfile.mkdtemp(prefix='talentbench-'))\n")

def nb(cells):
    book = new_notebook(cells=[new_markdown_cell(c[3:]) if c.startswith("md:") else new_code_cell(c) for c in cells])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(book.cells):
        cell["id"] = f"cell-{i:02d}"
    return book

books = {}
books["01_quick_start.ipynb"] = nb([
"md:# 01 · Quick start: one assessment, every stage\n\n`tb.assess()` runs the whole benchmark on the embedded dataset and keeps every stage in one object, in the spirit of COINr's *coin*: provisions, profile values, the city × indicator matrix, the index stages, the Monte Carlo rank intervals, validity checks, clusters and peers, with the log of method choices. Nothing is written until you ask for a report.",
SCRATCH + "\nimport benchmark as tb\n\na = tb.assess()\na",
"md:## Ranks, with each city's coverage and 90 % rank interval\n\n`coverage` is the share of the index's indicators the city's own sources give a value for; a city below the stated threshold is listed as insufficient data, not ranked.",
"results = a.results[['Rank', 'city', 'coverage', 'TPI', 'rank_q05', 'rank_q95', 'cluster']]\nassert results['Rank'].is_monotonic_increasing\nresults",
"print('not ranked (insufficient data):', ', '.join(a.excluded))",
"md:## The method log: every choice that made this ranking",
"a.log",
"md:## One choice changed: a variant\n\nThe same assessment with median imputation instead of leaving gaps unknown. `compare` shows who moves.",
"b = a.variant(step=('impute', {'method': 'median'}))\nmoves = a.compare(b)\nmoves[['city', 'Rank', 'Rank_variant', 'rank_change', 'coverage']]",
"md:## The report\n\n`a.report()` renders the Chinese PDF (figures as PNG and SVG under `figures/`).",
"pdf = a.report(workdir=workdir)\nassert pdf.exists()\npdf",
])
books["02_provisions_and_review.ipynb"] = nb([
"md:# 02 · Provisions and the review workflow\n\nEvery monetary provision is a reviewed record with its official source, its evidence (the exact characters of the source text) and what valuation needs: scope, stated conditions, stated relations between benefits. The extractor proposes candidates; an analyst accepts, corrects or rejects each one, and those decisions are data (`resources/dataset/review_decisions.csv`).",
"import pandas as pd\n\nfrom benchmark import dataset\n\nprovisions = dataset.load_provisions()\nprint(len(provisions), 'provisions of', provisions['city'].nunique(), 'cities')\nprovisions['status'].value_counts()",
"md:## Scope, conditions and relations",
"print(provisions['scope'].value_counts().to_dict())\nconditions = provisions['conditions'].dropna().str.split(';').explode().str.split('=').str[0]\nconditions.value_counts()",
"relations = provisions['relations'].dropna().str.split(';').explode()\nrelations.value_counts()",
"md:太原's text says its 生活补助 and 租房补贴 cannot both be received (互斥): the rows carry that relation, with the text that states it.",
"taiyuan = provisions[(provisions['city'] == '太原') & provisions['relations'].fillna('').str.contains('exclusive')]\nassert len(taiyuan)\ntaiyuan[['tier', 'benefit', 'amount_cny', 'period', 'relations', 'context_evidence', 'source_url']].head()",
"md:## Evidence is exact: the text at the stored offsets is the evidence",
"from pathlib import Path\nimport os\n\nimport benchmark\n\n# beside a checkout: ../shared/data (or set TALENTBENCH_SHARED_DATA)\nrepo = Path(benchmark.__file__).resolve().parents[2]\nshared = Path(os.environ.get('TALENTBENCH_SHARED_DATA') or repo.parent / 'shared' / 'data')\ncorpus = shared / 'policy_corpus'\nif corpus.is_dir():\n    rows = provisions[provisions['doc'].str.endswith('.md')].head(20)\n    for row in rows.itertuples():\n        text = (corpus / row.doc).read_text(encoding='utf-8')\n        assert text[row.start:row.end] == row.evidence\n    print('checked', len(rows), 'evidence spans against', corpus)\nelse:\n    print('shared/data not found here; set TALENTBENCH_SHARED_DATA to check the evidence spans')",
"md:## The analyst's decisions\n\n`talentbench dataset queue` writes candidates to a CSV/XLSX queue; `apply-review` reads the decisions back. Here are the recorded decisions by kind, with a few reasons.",
"from benchmark.dataset.review import read_decisions\nfrom benchmark.paths import resource\n\ndecisions = read_decisions(resource('dataset', 'review_decisions.csv'))\nprint(decisions['decision'].value_counts().to_dict())\ndecisions.loc[decisions['decision'] == 'reject', ['key', 'note']].head(8)",
])
books["03_profile_valuation.ipynb"] = nb([
"md:# 03 · Profile values and their line items\n\nA city's policy is compared by what it gives a *person*: a current-year bachelor, master or PhD graduate (23/26/29, first job, settles, owns no home), over 36 months, from the confirmed provisions that apply (`shared/spec/valuation.md`). City-wide offers (`scope='city'`) and the best district (`scope='district'`) are valued apart.",
"import pandas as pd\n\nfrom benchmark import city_registry, dataset\nfrom benchmark.valuation import value_profiles\n\nprovisions, features = dataset.load_provisions(), dataset.load_features()\nvaluation = value_profiles(provisions, features, cities=list(city_registry.load_cities()['city']))\nvaluation.wide('city').dropna(how='all').round(0)",
"md:Unknown stays unknown (NaN). A 0 means the source states the city pays no such city-wide cash (rule 7), and the flag says so:",
"values = valuation.values\nvalues[(values['scope'] == 'city') & values['flags'].str.contains('stated_none')][['city', 'profile', 'value_cny', 'flags']]",
"md:## Every value has its line items\n\nWhat a PhD receives in 太原: the provisions counted and those considered but left out, each with the rule that left it out (the same listing as `talentbench profiles --explain 太原 phd`).",
"items = valuation.explain('太原', 'phd')\ncounted = items[items['counted']]\nassert counted['value_cny'].sum() == values.set_index(['city', 'profile', 'scope']).at[('太原', 'phd', 'city'), 'value_cny']\nitems[['counted', 'rule', 'benefit', 'tier', 'value_cny', 'conditions', 'relations', 'evidence']]",
"md:## City and best district\n\nThe district value combines one district's offers with the city's (never two districts'); the best district is named.",
"district = values[(values['scope'] == 'district') & values['district'].notna()]\ndistrict.pivot(index=['city', 'district'], columns='profile', values='value_cny').round(0)",
"md:## High-level talent ladder\n\nCities name their top categories differently; the crosswalk maps them to a common ladder where the texts define them. Few do, so high-level packages are not yet comparable.",
"from benchmark.ladder import load_crosswalk\n\nwalk = load_crosswalk()\nprint(walk['rung'].notna().sum(), 'of', len(walk), 'categories defined well enough to place on the ladder')\nwalk[walk['rung'].notna()][['city', 'category', 'tier', 'rung', 'definition']]",
])
books["04_index_method_and_sensitivity.ipynb"] = nb([
"md:# 04 · The index method, its uncertainty and sensitivity\n\nA composite index is a chain of method choices (OECD/JRC Handbook). The assessment keeps the index (`a.coin`, COINr-style) with every stage's data, so a variant is *this index with one choice changed*.",
"import pandas as pd\n\nimport benchmark as tb\n\na = tb.assess()\na.coin",
"{stage: df.shape for stage, df in a.coin.data.items()}",
"md:## Gaps are not filled\n\nThe nominal index scores a city on the indicators its sources confirm. How the gaps might be read instead is an uncertain input of the Monte Carlo analysis, so rank intervals widen with a city's gaps.",
"gaps = a.matrix[a.indicator_codes].isna().sum(axis=1).rename('unknown indicators')\nwidth = (a.results.set_index('city')['rank_q95'] - a.results.set_index('city')['rank_q05']).rename('interval width')\npd.concat([gaps, width], axis=1).dropna().sort_values('unknown indicators')",
"md:## Variants: one choice at a time",
"variants = {\n    'median imputation': a.variant(step=('impute', {'method': 'median'})),\n    'gaps at the worst known value': a.variant(step=('impute', {'method': 'min'})),\n    'housing weighted twice': a.variant(weights={'HOUSE': 2}),\n}\nranks = a.results.set_index('city')[['Rank']].rename(columns={'Rank': 'nominal'})\nfor name, variant in variants.items():\n    ranks[name] = variant.results.set_index('city')['Rank']\nranks.sort_values('nominal')",
"md:## Uncertainty and sensitivity\n\n1 000 Monte Carlo runs over noisy weights, the treatment of gaps, normalisation and aggregation; Sobol indices say which choice moves the ranks most (small negative estimates are sampling noise around zero).",
"summary = a.spread.summary.dropna(subset=['Nominal'])\nassert (summary['Q5'] <= summary['Q95']).all()\nsummary[['uCode', 'Nominal', 'Median', 'Q5', 'Q95']]",
"a.sobol.round(3)",
"md:## Validity checks\n\nDoes the score measure policy, or how much a source says? The checks run on every assessment.",
"pd.set_option('display.max_colwidth', 200)\na.validity[['check', 'subject', 'value', 'n', 'reading']]",
])
books["05_focal_city.ipynb"] = nb([
"md:# 05 · A focal city: peers, gaps, what-if\n\nThe questions a talent office asks about its own city: where do we stand among our peers, why, and what would move us.",
SCRATCH + "\nimport benchmark as tb\nfrom benchmark.compare import focus_view\n\nCITY = '福州'\na = tb.assess(focus=CITY)\npeers = a.peers_of(CITY)\nprint(CITY, 'peers:', peers, '| rank among them:', a.rank_among(CITY, peers))",
"md:## Peers and how they were chosen\n\nNearest ranked cities by 2020 population, 2010–2020 growth and urbanisation (standardised), k = 3.",
"a.stats.loc[[CITY, *peers], ['popu_2020', 'popu_growth', 'urbanisation']]",
"md:## Item by item: what a graduate receives here and in each peer",
"view = focus_view(a, CITY)\nview.summary[['profile', 'benefit', 'focus_value', 'focus_note', 'peer_median', 'outbid_by']]",
"md:Talent groups only the peers pay (a gap in policy, or in the sources):",
"view.gaps",
"md:## What-if: a provision changed\n\n\"What if the PhD purchase subsidy were 30万?\" — a hypothetical city-wide provision, marked as such, through every stage.",
"from benchmark.whatif import ProvisionChange, lift_to, what_if\n\nresult = what_if(a, CITY, provisions=[ProvisionChange('phd', 'housing_purchase', 300000.0)])\nresult.summary()",
"md:## The reverse question: the smallest change that lifts the city one place among its peers\n\nFound by bisection on the index and checked by rebuilding the index with that value (`reaches`).",
"k = max(1, a.rank_among(CITY, peers)['rank'] - 1)\nlift = lift_to(a, CITY, k, peers)\nassert lift.loc[lift['reaches'], 'rank_after'].le(k).all()\nlift",
"md:## Archetypes\n\nk-means on the indicator profile, checked against Ward clustering, with the stability of each city's assignment under bootstrap resampling.",
"from benchmark.clusters import assignment_stability, describe_archetypes, ward_labels\n\nprofile, labels, k_groups = a.cluster_profile, a.clusterer.labels_, a.clusterer.k_\npillars = a.results.set_index('city')[[p for p in a.framework.pillars['code'] if p in a.results]].reindex(profile.index)\narchetypes = describe_archetypes(pillars.fillna(pillars.median()), labels, a.framework.node_names())\narchetypes['stability'] = [assignment_stability(profile, labels, k_groups).loc[c.split('、')].mean().round(2) for c in archetypes['cities']]\narchetypes.assign(ward_agrees=(ward_labels(profile, k_groups) == labels).mean())",
"md:## Effectiveness (效用评估): what the data can and cannot show",
"from benchmark.outcomes import effectiveness\n\npillar_codes = [p for p in a.framework.pillars['code'] if p in a.results]\neff = effectiveness(a.results, a.stats.reset_index(), a.framework.index_code, pillar_codes, a.framework.node_names())\nprint('\\n'.join(eff.statements))\neff.regression",
"md:## The leader's report",
"pdf = a.report(workdir=workdir)\nassert pdf.exists()\npdf",
])

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "notebooks"
    for name, book in books.items():
        nbformat.write(book, f"{out}/{name}")
    print("wrote", len(books))
