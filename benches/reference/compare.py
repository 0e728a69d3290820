"""Runs origami's benchmark workloads and their PyTorch references side by
side on this machine, one thread each, pinned to core 0, interleaved, and
prints the ratio table (origami time / PyTorch time; below 1 is faster).

  cargo bench --bench workloads --no-run
  python3 benches/reference/compare.py [--repeats 3] [w0 w1 w2 w3 w4]

Absolute times drift on shared machines; the ratios from one session are
what to compare.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def lines(cmd):
    out = subprocess.run(["taskset", "-c", "0"] + cmd, capture_output=True, text=True, env=ENV, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def key(rec):
    # origami's W2 has no variant: it is compared with each PyTorch variant.
    variant = rec.get("variant", "") if rec["framework"] == "torch" or rec["workload"] != "rnn" else "*"
    return (rec["workload"], variant, rec.get("n", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("workloads", nargs="*", default=["w0", "w1", "w2", "w3", "w4"])
    args = ap.parse_args()
    bench = sorted(glob.glob(os.path.join(HERE, "../../target/release/deps/workloads-*")), key=os.path.getmtime)
    bench = [b for b in bench if not b.endswith(".d")]
    if not bench:
        sys.exit("build the benchmarks first: cargo bench --bench workloads --no-run")
    results = {}
    for _ in range(args.repeats):
        for w in args.workloads:
            for side, cmd in [("origami", [bench[-1], w]), ("torch", [sys.executable, os.path.join(HERE, "workloads.py"), w])]:
                for rec in lines(cmd):
                    value = rec.get("median_us", rec.get("gflops_best"))
                    results.setdefault(key(rec), {}).setdefault(side, []).append(value)
    print("| workload | origami | PyTorch | ratio |")
    print("|---|---|---|---|")
    for (workload, variant, n), sides in sorted(results.items()):
        if "torch" not in sides:
            continue
        mine = sides.get("origami") or results.get((workload, "*", n), {}).get("origami")
        if not mine:
            continue
        o, t = statistics.median(mine), statistics.median(sides["torch"])
        name = f"{workload} {variant} {n}".strip()
        if workload == "sgemm":
            print(f"| {name} (GFLOP/s) | {o:.1f} | {t:.1f} | {o / t:.2f}x throughput |")
        else:
            print(f"| {name} (median µs) | {o:.1f} | {t:.1f} | {o / t:.3f} |")


if __name__ == "__main__":
    main()
