"""Runs origami's benchmark workloads and their PyTorch references side by
side on this machine, interleaved, and prints the ratio table (origami
time / PyTorch time; below 1 is faster). One thread pinned to core 0 by
default; `--threads 2` gives both sides cores 0 and 1; `--busy` keeps core 1
busy with another process meanwhile (the contention test).

  cargo bench --bench workloads --no-run
  python3 benches/reference/compare.py [--repeats 3] [--threads N] [--busy] [w0 w1 w2 w3 w4]

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


def lines(cmd, threads):
    cores = ",".join(str(c) for c in range(threads))
    env = dict(ENV, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run(["taskset", "-c", cores] + cmd, capture_output=True, text=True, env=env, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def key(rec):
    # origami's W2 has no variant: it is compared with each PyTorch variant.
    variant = rec.get("variant", "") if rec["framework"] == "torch" or rec["workload"] != "rnn" else "*"
    return (rec["workload"], variant, rec.get("n", ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--busy", action="store_true", help="keep core 1 busy with a spinning process")
    ap.add_argument("workloads", nargs="*", default=["w0", "w1", "w2", "w3", "w4"])
    args = ap.parse_args()
    bench = sorted(glob.glob(os.path.join(HERE, "../../target/release/deps/workloads-*")), key=os.path.getmtime)
    bench = [b for b in bench if not b.endswith(".d")]
    if not bench:
        sys.exit("build the benchmarks first: cargo bench --bench workloads --no-run")
    busy = subprocess.Popen(["taskset", "-c", "1", sys.executable, "-c", "while True: pass"]) if args.busy else None
    results, rss = {}, {}
    try:
        for _ in range(args.repeats):
            for w in args.workloads:
                sides = [("origami", [bench[-1], w, "--threads", str(args.threads)]),
                         ("torch", [sys.executable, os.path.join(HERE, "workloads.py"), w, str(args.threads)])]
                for side, cmd in sides:
                    for rec in lines(cmd, args.threads):
                        value = rec.get("median_us", rec.get("gflops_best"))
                        results.setdefault(key(rec), {}).setdefault(side, []).append(value)
                        if "peak_rss_mb" in rec:
                            rss.setdefault(key(rec), {})[side] = rec["peak_rss_mb"]
    finally:
        if busy:
            busy.kill()
    print("| workload | origami | PyTorch | ratio | peak RSS MB, origami / PyTorch |")
    print("|---|---|---|---|---|")
    for (workload, variant, n), sides in sorted(results.items()):
        if "torch" not in sides:
            continue
        mine = sides.get("origami") or results.get((workload, "*", n), {}).get("origami")
        if not mine:
            continue
        o, t = statistics.median(mine), statistics.median(sides["torch"])
        name = f"{workload} {variant} {n}".strip()
        memory = rss.get((workload, variant, n), {})
        mine_rss = memory.get("origami") or rss.get((workload, "*", n), {}).get("origami")
        memory = f"{mine_rss or '-'} / {memory.get('torch', '-')}"
        if workload == "sgemm":
            print(f"| {name} (GFLOP/s) | {o:.1f} | {t:.1f} | {o / t:.2f}x throughput | {memory} |")
        else:
            print(f"| {name} (median µs) | {o:.1f} | {t:.1f} | {o / t:.3f} | {memory} |")


if __name__ == "__main__":
    main()
