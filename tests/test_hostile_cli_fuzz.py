"""Hostile input, issue 11: any value for any option of any subcommand is used or refused with
one line - never a traceback, never Click's multi-line usage text.

Each example takes one subcommand, one of its options or arguments and a hostile text (numbers
out of range, NaN, empty, control characters, commas, formulas, random Unicode) and runs the
command in-process in a fresh working folder. The other options are set to something that ends
quickly (an empty raw store, a registry whose one portal refuses connections, a tiny provisions
file), so an accepted value costs little.
"""

from __future__ import annotations

import click
import pytest
from hostile_cases import ASEM, CANDIDATE, Case, _missing, _write, execute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.cli import cli
from benchmark.paths import resource


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


# What each command is given besides the fuzzed value: quick to run, nothing outside {tmp}.
BASE: dict[tuple[str, ...], list[str]] = {
    ("run",): ["--out", "{tmp}/o", "--provisions", "{tmp}/header.csv"],
    ("profiles",): [],
    ("extract",): ["{tmp}/doc.md"],
    ("evaluate",): ["--gold", "{tmp}/gold", "--docs", "{tmp}/docs"],
    ("index",): ["--data", "{asem}/asem_idata.csv", "--meta", "{asem}/asem_imeta.csv",
                 "--spec", "{spec}", "--out", "{tmp}/o"],
    ("sensitivity",): ["--data", "{asem}/asem_idata.csv", "--meta", "{asem}/asem_imeta.csv",
                       "--spec", "{spec}", "--out", "{tmp}/o", "--n", "5"],
    ("dataset", "summary"): [],
    ("dataset", "queue"): ["{tmp}/c.jsonl", "-o", "{tmp}/q.csv"],
    ("dataset", "apply-review"): ["{decisions}", "--decisions", "{tmp}/d.csv", "--out", "{tmp}/c.csv"],
    ("dataset", "conflicts"): ["{tmp}/c.jsonl"],
    ("dataset", "curate"): ["--shared", "{tmp}/none", "--out", "{tmp}/cur"],
    ("crawl",): ["--registry", "{tmp}/registry.csv", "--settings", "{tmp}/settings.yaml",
                 "--raw-dir", "{tmp}/raw", "--no-progress"],
    ("parse",): ["--raw-dir", "{tmp}/raw", "--no-progress"],
    ("refresh",): ["--offline", "--corpus", "{tmp}/none", "--quiet"],
    ("history",): [],
    ("diff",): [],
}
# The sensitivity analysis's sample sizes are bounded (1 to 1 000 000) but a million accepted
# replications would take minutes: those two stay at their quick base values.
NOT_FUZZED = {("sensitivity", "--n"), ("sensitivity", "--sobol")}

TARGETS = [(path, param) for path, command in _commands(cli) for param in command.params
           if not getattr(param, "is_flag", False) and param.name != "help"
           and (path[-1], (param.opts or [param.name])[-1]) not in NOT_FUZZED]

HOSTILE = st.one_of(
    st.sampled_from(["", " ", "\u3000", "-1", "0", "1e308", "-1e308", "nan", "inf", "-inf",
                     "99999999999999999999999", "0.5", "1/0", "a/b", "3/2", ",", "杭州,,", " 杭州 ",
                     "=1+1", "@SUM(A1)", "\t", "\n", "--", "-", "NUL\x00byte", "☃" * 50, "all"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"), max_size=20),
).filter(lambda v: v.strip() not in (".", ".."))  # the working folder's parent is not ours


def _prepare(tmp):
    _write(tmp / "header.csv", "city,tier,benefit\n")
    _write(tmp / "doc.md", "博士每月生活补贴3000元。\n")
    _write(tmp / "c.jsonl", CANDIDATE)
    _write(tmp / "registry.csv", "city,kind,url\n杭州,hrss,http://127.0.0.1:9/\n")
    _write(tmp / "settings.yaml", "defaults: {max_retries: 0, host_interval_seconds: 0, "
                                  "connect_timeout_seconds: 2, max_fetch_seconds: 5}\n")
    (tmp / "gold").mkdir(exist_ok=True)
    (tmp / "docs").mkdir(exist_ok=True)


def _argv(path, param, value, tmp) -> list[str]:
    fill = {"{tmp}": str(tmp), "{asem}": str(ASEM), "{spec}": str(resource("index", "asem_example.yaml")),
            "{decisions}": str(resource("dataset", "review_decisions.csv"))}
    base = []
    for item in BASE[path]:
        for key, text in fill.items():
            item = item.replace(key, text)
        base.append(item)
    if isinstance(param, click.Argument):
        if param.nargs == -1 or not base or base[0].startswith("-"):
            return [*path, *([value] * max(param.nargs, 1)), *base]
        return [*path, value, *base[1:]]  # the base's first item is this argument
    option = (param.opts or [param.name])[-1]
    values = [value] * param.nargs
    if option in base:  # replace the base's value of this option
        at = base.index(option)
        base = base[:at] + base[at + 1 + param.nargs:]
    return [*path, *base, option, *values]


@pytest.mark.skipif(not ASEM.is_dir(), reason="the COINr example data (../shared/data/coinr_asem) is not here")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), value=HOSTILE)
def test_any_value_of_any_option_is_used_or_refused_in_one_line(tmp_path_factory, target, value):
    path, param = target
    tmp = tmp_path_factory.mktemp("fuzz")
    _prepare(tmp)
    case = Case(" ".join(path), param.name, "fuzz", _missing,
                lambda t, bad: _argv(path, param, value, t))
    outcome = execute(case, tmp)
    assert outcome.kind in ("refused", "accepted"), (path, param.name, value, outcome.kind,
                                                      repr(outcome.error), outcome.stderr[-400:])
    assert outcome.seconds < 60, (path, param.name, value, outcome.seconds)


def test_every_subcommand_has_a_base_and_fuzzed_options():
    paths = {path for path, _ in _commands(cli)}
    assert paths == set(BASE), paths ^ set(BASE)
    assert {path for path, _ in TARGETS} == paths
