"""`talentbench profiles`: what a standard graduate receives in each city, and why.

    talentbench profiles [--city C ...] [--profile P ...] [--scope city|district|both]
                         [--format table|csv|json] [--provisions FILE] [--include-unverified]
    talentbench profiles --explain CITY PROFILE [--scope city|district]
"""

from __future__ import annotations

from pathlib import Path

import click

from benchmark.cli.output import FORMATS, emit

EXPLAIN_COLUMNS = ["counted", "rule", "benefit", "tier", "place", "amount_cny", "amount_max_cny",
                   "period", "duration_months", "months_counted", "value_cny", "flags", "conditions",
                   "relations", "status", "doc", "start", "end", "evidence", "source_url"]


@click.command("profiles")
@click.option("--city", "cities", multiple=True, metavar="CITY", help="Only this city (repeatable).")
@click.option("--profile", "profiles", multiple=True, metavar="PROFILE",
              help="Only this profile: bachelor, master or phd (repeatable).")
@click.option("--scope", type=click.Choice(["city", "district", "both"]), default="both", show_default=True,
              help="city: the city's own city-wide offers; district: the best district, its offers "
                   "combined with the city's.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output format.")
@click.option("--explain", nargs=2, metavar="CITY PROFILE",
              help="List the line items of one value: every provision counted and every one "
                   "considered but not counted, with the rule that left it out.")
@click.option("--provisions", "provisions_path", type=click.Path(path_type=Path),
              help="Curated provisions CSV (default: the embedded dataset).")
@click.option("--include-unverified", is_flag=True,
              help="Also count provisions the source marks 待复核 (to check).")
def profiles_command(cities, profiles, scope, fmt, explain, provisions_path, include_unverified) -> None:
    """Profile values: the cash a current-year bachelor/master/PhD graduate receives in a city
    over 36 months, per shared/spec/valuation.md. An empty value_cny is unknown (no confirmed
    provision applies), never zero; 0 means the source states the city offers none."""
    import pandas as pd

    from benchmark import city_registry, dataset
    from benchmark.assessment import check_city, read_provisions_csv
    from benchmark.errors import TalentbenchError
    from benchmark.valuation import VALUE_COLUMNS, load_profiles, value_profiles

    if explain and (cities or profiles):
        raise TalentbenchError("--explain CITY PROFILE names its city and profile: leave out --city/--profile")
    spec = load_profiles()
    provisions = read_provisions_csv(provisions_path) if provisions_path else dataset.load_provisions()
    registry = city_registry.load_cities()
    wanted = [check_city(c, registry) for c in ([explain[0]] if explain else cities)]
    wanted_profiles = [explain[1].strip()] if explain else [p.strip() for p in profiles]
    for p in wanted_profiles:
        spec.profile(p)  # a clear error for an unknown profile
    statuses = ("confirmed", "to_check") if include_unverified else ("confirmed",)
    cities_list = wanted or sorted(set(provisions["city"]))
    valuation = value_profiles(provisions, dataset.load_features(), spec, statuses,
                               cities=cities_list, profiles=wanted_profiles or None)
    if explain:
        city, profile = wanted[0], wanted_profiles[0]
        scopes = ["city", "district"] if scope == "both" else [scope]
        if fmt != "table":  # one table for both scopes, so that the CSV/JSON stays one document
            listing = pd.concat([valuation.explain(city, profile, one).assign(city=city, profile=profile, scope=one)
                                 for one in scopes], ignore_index=True)
            emit(listing[["city", "profile", "scope", *EXPLAIN_COLUMNS]], fmt)
            return
        for one in scopes:
            value = valuation.values[(valuation.values["scope"] == one)].iloc[0]
            items = valuation.explain(city, profile, one)
            shown = "unknown" if pd.isna(value["value_cny"]) else f"{value['value_cny']:,.0f} yuan"
            where = f" ({value['district']})" if isinstance(value["district"], str) else ""
            click.echo(f"{city} · {spec.profile(profile).name} · scope {one}{where}: {shown}"
                       + (f" [{value['flags']}]" if value["flags"] else ""))
            if not len(items):
                click.echo("  no provisions of this city are known at this scope")
                continue
            counted, left = items[items["counted"]], items[~items["counted"]]
            for label, part in (("counted", counted), ("considered, not counted", left)):
                click.echo(f"  {label}: {len(part)}")
                for _, r in part.iterrows():
                    months = f" × {r['months_counted']:.0f} months" if pd.notna(r["months_counted"]) else ""
                    place = f" [{r['place']}]" if r["place"] else ""
                    amount = r["amount_max_cny"] if pd.notna(r["amount_max_cny"]) else r["amount_cny"]
                    click.echo(f"    - {r['benefit']} ({r['tier']}{place}) {amount:,.0f} /{r['period']}"
                               f"{months} = {r['value_cny']:,.0f}"
                               + (f"  flags: {r['flags']}" if r["flags"] else "")
                               + (f"  LEFT OUT: {r['rule']}" if not r["counted"] else ""))
                    click.echo(f"      {r['doc']}:{r['start']}-{r['end']} 「{r['evidence']}」 {r['source_url']}")
        return
    table = valuation.values
    if scope != "both":
        table = table[table["scope"] == scope]
    table = table[VALUE_COLUMNS].reset_index(drop=True)
    if fmt == "table":
        table = table.assign(value_cny=table["value_cny"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
                             district=table["district"].fillna(""))
    emit(table, fmt)


commands = [profiles_command]
