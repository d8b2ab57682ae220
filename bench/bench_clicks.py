"""Click-log and profile benchmarks (issue 5): sessionize + SDBN on 1M searches, ALS on 1M interactions.

Run: ``.venv/bin/python bench/bench_clicks.py [--searches N] [--interactions N] [--items N]`` (defaults: 1M,
1M, 100k).

Each measurement runs in a fresh subprocess, so its peak RSS is its own (the log is generated beforehand, by
another subprocess). The click pipeline is timed end to end from the JSONL file: read + validate, join events
to searches, build sessions, fit SDBN (which includes its training log-likelihood pass). It runs at a quarter
and at the full size, to show that time and memory grow linearly with the log. Targets: 60 s each on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 60.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(path: str, searches: int) -> dict:
    from ltr.simulate import ClickSimulation, simulate_clicks, write_jsonl

    start = time.perf_counter()
    sim = simulate_clicks(ClickSimulation(n_searches=searches, n_queries=2_000, docs_per_query=15,
                                          results_per_search=10, n_users=100_000, seed=11))
    lines = write_jsonl(sim, path)
    return {"lines": lines, "bytes": os.path.getsize(path), "seconds": time.perf_counter() - start}


def clicks(path: str) -> dict:
    from ltr.logs import read_click_log
    from ltr.clickmodels import fit_click_model
    from ltr.join import join_events
    from ltr.sessions import build_sessions

    times = {}
    baseline = _peak_rss_mb()
    start = time.perf_counter()
    log = read_click_log(path)
    times["read"] = time.perf_counter() - start
    mark = time.perf_counter()
    joined, _ = join_events(log)
    times["join"] = time.perf_counter() - mark
    mark = time.perf_counter()
    sessions, _ = build_sessions(log, joined)
    times["sessions"] = time.perf_counter() - mark
    mark = time.perf_counter()
    model = fit_click_model("sdbn", sessions)
    times["sdbn"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    return {"times": times, "searches": log.n_searches, "events": log.n_events, "pairs": model.report.n_pairs,
            "peak_rss_mb": _peak_rss_mb(), "rss_growth_mb": _peak_rss_mb() - baseline}


def als(interactions: int, items: int, factors: int) -> dict:
    import numpy as np

    from ltr.profiles import CFConfig, ItemAttributes, ProfileConfig, UserItemEvents, build_profiles, fit_cf
    from ltr.simulate import TasteSimulation, simulate_interactions

    per_user = 20
    sim = simulate_interactions(TasteSimulation(n_users=interactions // per_user, n_items=items, n_genres=200,
                                                interactions_per_user=per_user, seed=12))
    events, _ = UserItemEvents.from_arrays(sim.user_ids, tuple(sim.catalog["id"]), sim.user, sim.item,
                                           sim.kind,
                                           sim.time)
    before = _peak_rss_mb()
    start = time.perf_counter()
    matrix = events.matrix(events.weights())
    model = fit_cf(matrix, CFConfig(factors=factors))
    als_seconds = time.perf_counter() - start
    start = time.perf_counter()
    build_profiles(events, ItemAttributes.from_frame(sim.catalog),
                   ProfileConfig(cf=CFConfig(factors=factors)))
    profile_seconds = time.perf_counter() - start
    return {"interactions": len(events), "users": matrix.shape[0], "items": matrix.shape[1],
            "nnz": matrix.nnz,
            "factors": model.dim, "als_seconds": als_seconds, "profiles_seconds": profile_seconds,
            "finite": bool(np.isfinite(model.item_factors).all()), "peak_rss_mb": _peak_rss_mb(),
            "rss_before_fit_mb": before}


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--factors", type=int, default=64)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for searches in (args.searches // 4, args.searches):
            path = str(Path(tmp) / f"log-{searches}.jsonl")
            made = _child("_generate", path, str(searches))
            result = _child("_clicks", path)
            rows.append((searches, made, result))
            t, mb = result["times"], made["bytes"] / 1e6
            print(f"clicks  {searches:>9,} searches + {result['events']:,} events ({mb:,.0f} MB JSONL): "
                  f"read {t['read']:.1f}s, join {t['join']:.1f}s, sessions {t['sessions']:.1f}s, "
                  f"sdbn {t['sdbn']:.1f}s = {t['total']:.1f}s ({t['total'] / TARGET_S:.2f} of the 60 s "
                  f"target); peak RSS {result['peak_rss_mb']:,.0f} MB (+{result['rss_growth_mb']:,.0f} MB "
                  "over the interpreter with its libraries)")
            os.remove(path)
        (small, _, a), (large, _, b) = rows
        time_ratio = b["times"]["total"] / a["times"]["total"]
        print(f"scaling {large / small:.0f}x searches -> {time_ratio:.2f}x time, "
              f"{b['rss_growth_mb'] / a['rss_growth_mb']:.2f}x memory growth")
    result = _child("_als", str(args.interactions), str(args.items), str(args.factors))
    print(f"als     {result['interactions']:,} interactions, {result['users']:,} users x "
          f"{result['items']:,} items ({result['nnz']:,} non-zeros), {result['factors']} factors: "
          f"{result['als_seconds']:.1f}s ({result['als_seconds'] / TARGET_S:.2f} of the 60 s target); "
          f"full profile build {result['profiles_seconds']:.1f}s; peak RSS {result['peak_rss_mb']:,.0f} MB")

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        command, rest = sys.argv[1], sys.argv[2:]
        if command == "_generate":
            output = generate(rest[0], int(rest[1]))
        elif command == "_clicks":
            output = clicks(rest[0])
        else:
            output = als(int(rest[0]), int(rest[1]), int(rest[2]))
        print(json.dumps(output))
    else:
        main()
