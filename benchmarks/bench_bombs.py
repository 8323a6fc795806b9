"""Bombs: peak memory and time to refuse, each measured in a fresh process.

    python benchmarks/bench_bombs.py [--inflated-mib 2300] [--baseline]

(a) ``Content-Encoding: gzip, gzip`` and ``gzip, deflate, gzip`` bombs (a few KB on the wire,
    ``--inflated-mib`` decoded) served from 127.0.0.1 to the crawler's fetcher, with the
    packaged max_body_bytes. ``--baseline`` also runs httpx's own decoders (the fetcher's code
    path before bounded decoding) for comparison; that needs several GB of free memory.
(b) A YAML "billion laughs" (nested aliases, ~4 KB) given to ``talentbench run --spec``,
    ``talentbench index --spec`` (when the ASEM example data is found) and
    ``talentbench crawl --settings``.

Thresholds: peak memory of the process < 300 MB, refusal < 2 s. For the fetches the time is
the fetch itself; for the commands it is the time inside ``talentbench``'s main() (interpreter
start-up and importing the CLI are shown separately). Exits 1 if a threshold is broken.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.sites.bombs import MIB, billion_laughs_yaml, chain_bomb, fetch_in_child  # noqa: E402
from fixtures.sites.server import FixtureServer, Route  # noqa: E402

from benchmark.sources.settings import FetchPolicy  # noqa: E402

PEAK_LIMIT_MB = 300
SECONDS_LIMIT = 2.0

# Runs one talentbench command; reports the time inside main() and the process's peak memory.
_CLI_CHILD = r"""
import json, resource, sys, time
unit = 1 if sys.platform == "darwin" else 1024


def peak_rss():
    # this process's own high-water mark (ru_maxrss would include a big parent's, on Linux)
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit


started = time.perf_counter()
from benchmark.cli import main
imported = time.perf_counter()
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code if isinstance(exit_.code, int) else 1
done = time.perf_counter()
print(json.dumps({"code": code, "import_seconds": imported - started, "seconds": done - imported,
                  "peak_bytes": peak_rss()}))
"""


def run_command(args: list[str], cwd: Path) -> dict:
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CLI_CHILD, *args], capture_output=True,
                         text=True, timeout=600, cwd=cwd)
    wall = time.perf_counter() - began
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"code": out.returncode, "seconds": math.nan, "peak_bytes": 0, "wall": wall,
                "error": (out.stderr.strip().splitlines() or ["crashed"])[-1]}
    figures = json.loads(lines[-1])
    errors = [line for line in out.stderr.splitlines() if line.startswith("talentbench: error")]
    figures.update(wall=wall, error=errors[-1] if errors else "")
    return figures


def row(case: str, size: int, result: str, peak: int, seconds: float, extra: str = "") -> bool:
    peak_mb = peak / 1e6
    ok = peak_mb < PEAK_LIMIT_MB and seconds < SECONDS_LIMIT
    print(f"  {case:47s} {size:>7,} B  {result:26s} {peak_mb:8.0f} MB {seconds:8.2f} s  "
          f"{'ok' if ok else 'OVER'}{extra}")
    return ok


def http_bombs(inflated_mib: int, baseline: bool) -> list[bool]:
    cap = FetchPolicy().max_body_bytes
    print(f"== (a) Content-Encoding bombs, {inflated_mib:,} MiB decoded, max_body_bytes "
          f"{cap // MIB} MiB")
    verdicts = []
    for chain in (("gzip", "gzip"), ("gzip", "deflate", "gzip")):
        body = chain_bomb(chain, inflated_mib)
        route = Route(body=body, content_encoding=", ".join(chain))
        with FixtureServer({"/bomb.html": route}) as server:
            modes = ("fetcher", "httpx") if baseline else ("fetcher",)
            for mode in modes:
                figures = fetch_in_child(server.base_url + "/bomb.html", cap, mode, timeout=600)
                label = ("fetcher (bounded decoding)" if mode == "fetcher"
                         else "httpx decoders (before)")
                result = f"{figures['outcome']} {figures['reason']}"
                ok = row(f"{', '.join(chain)}: {label}", len(body), result, figures["peak_bytes"],
                         figures["seconds"])
                if mode == "fetcher":  # the baseline is there to be over the limits
                    verdicts.append(ok and figures["reason"] == "too_large")
    return verdicts


def yaml_bombs(tmp: Path) -> list[bool]:
    text = billion_laughs_yaml()
    bomb = tmp / "laughs.yaml"
    bomb.write_text(text, encoding="utf-8")
    registry = tmp / "registry.csv"
    registry.write_text("city,kind,url,cited_in\n测试市,hrss,http://127.0.0.1:9/,\n",
                        encoding="utf-8")
    print(f"== (b) YAML billion laughs ({len(text.encode()):,} B, 64^12 leaves if expanded)")
    commands = {
        "run --spec": ["run", "--spec", str(bomb), "--out", str(tmp / "run")],
        "crawl --settings": ["crawl", "--registry", str(registry), "--settings", str(bomb),
                             "--raw-dir", str(tmp / "raw"), "--no-progress"],
    }
    asem = Path(os.environ.get("TALENTBENCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
    asem = asem / "coinr_asem"
    if (asem / "asem_idata.csv").is_file():
        commands["index --spec"] = ["index", "--data", str(asem / "asem_idata.csv"),
                                    "--meta", str(asem / "asem_imeta.csv"), "--spec", str(bomb),
                                    "--out", str(tmp / "index")]
    else:
        print(f"  (index --spec skipped: no ASEM example data under {asem.parent})")
    verdicts = []
    for name, args in commands.items():
        figures = run_command(args, tmp)
        refused = figures["code"] == 2 and "aliases" in figures["error"]
        result = ("refused (aliases)" if refused
                  else f"exit {figures['code']}: {figures['error'][:24]}")
        extra = (f"   [process {figures['wall']:.2f} s, of which importing the CLI "
                 f"{figures.get('import_seconds', math.nan):.2f} s]")
        verdicts.append(row(name, len(text.encode()), result, figures["peak_bytes"],
                            figures["seconds"], extra) and refused)
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inflated-mib", type=int, default=2300,
                        help="decoded size of the HTTP bombs (default 2300, as in the report)")
    parser.add_argument("--baseline", action="store_true",
                        help="also measure httpx's own decoders (needs several GB of memory)")
    args = parser.parse_args()
    print(f"thresholds: peak < {PEAK_LIMIT_MB} MB, refusal < {SECONDS_LIMIT:.0f} s\n")
    print(f"  {'case':47s} {'input':>9s}  {'result':26s} {'peak':>11s} {'time':>10s}")
    with tempfile.TemporaryDirectory() as tmp:
        verdicts = http_bombs(args.inflated_mib, args.baseline) + yaml_bombs(Path(tmp))
    broken = verdicts.count(False)
    print(f"\n{len(verdicts) - broken} of {len(verdicts)} within the thresholds")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
