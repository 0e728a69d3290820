"""Runs origami's benchmark workloads beside their PyTorch references (and
JAX's, when JAX is installed) on this machine, interleaved, and prints the
ratio table (origami time / other time; below 1 is faster). One thread
pinned to core 0 by default; `--threads 2` gives every side cores 0 and 1;
`--busy` keeps core 1 busy with another process meanwhile (the contention
test).

  cargo bench --bench workloads --no-run
  python3 benches/reference/compare.py [--repeats 3] [--threads N] [--busy] [w0 w1 w2 w3 w4 w5 w6]

Every side is started the same way: by its resolved absolute path, pinned
with taskset. Absolute times drift on shared machines; the ratios from one
session are what to compare.
"""
import argparse
import glob
import importlib.util
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
    if threads == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    out = subprocess.run(["taskset", "-c", cores] + cmd, capture_output=True, text=True, env=env, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


# The recurrent workloads (W2, W5, W6): origami's line has no variant and
# is compared with each of PyTorch's (its nn module, its Python loop).
RECURRENT = ("rnn", "lstm", "gru")


def key(rec):
    variant = rec.get("variant", "") if rec["framework"] != "origami" or rec["workload"] not in RECURRENT else "*"
    return (rec["workload"], variant, rec.get("n", ""))


def best_jax(results, workload, variant):
    """JAX's median for this row: for W4's Hv and for the recurrent
    workloads the fastest of JAX's variants of that kind, else JAX's own
    variant of the row."""
    kind = "hvp" if variant.startswith("hvp") else "" if workload in RECURRENT else None
    if kind is None:
        own = results.get((workload, variant, ""), {}).get("jax")
        return statistics.median(own) if own else None
    medians = [statistics.median(sides["jax"]) for (w, v, _), sides in results.items()
               if w == workload and v.startswith(kind) and "jax" in sides]
    return min(medians) if medians else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--busy", action="store_true", help="keep core 1 busy with a spinning process")
    ap.add_argument("workloads", nargs="*", default=["w0", "w1", "w2", "w3", "w4", "w5", "w6"])
    args = ap.parse_args()
    bench = sorted(glob.glob(os.path.join(HERE, "../../target/release/deps/workloads-*")), key=os.path.getmtime)
    bench = [os.path.realpath(b) for b in bench if not b.endswith(".d")]
    if not bench:
        sys.exit("build the benchmarks first: cargo bench --bench workloads --no-run")
    have_jax = importlib.util.find_spec("jax") is not None
    busy = subprocess.Popen(["taskset", "-c", "1", sys.executable, "-c", "while True: pass"]) if args.busy else None
    results, rss = {}, {}
    try:
        for _ in range(args.repeats):
            for w in args.workloads:
                sides = [("origami", [bench[-1], w, "--threads", str(args.threads)]),
                         ("torch", [sys.executable, os.path.join(HERE, "workloads.py"), w, str(args.threads)])]
                if have_jax and w != "w0":
                    sides.append(("jax", [sys.executable, os.path.join(HERE, "workloads_jax.py"), w]))
                for side, cmd in sides:
                    for rec in lines(cmd, args.threads):
                        value = rec.get("median_us", rec.get("gflops_best"))
                        results.setdefault(key(rec), {}).setdefault(side, []).append(value)
                        if "peak_rss_mb" in rec:
                            rss.setdefault(key(rec), {})[side] = rec["peak_rss_mb"]
    finally:
        if busy:
            busy.kill()
    print("| workload | origami | PyTorch | ratio | JAX jit | ratio to JAX | peak RSS MB, origami / PyTorch / JAX |")
    print("|---|---|---|---|---|---|---|")
    for (workload, variant, n), sides in sorted(results.items()):
        if "torch" not in sides:
            continue
        mine = sides.get("origami") or results.get((workload, "*", n), {}).get("origami")
        if not mine:
            continue
        o, t = statistics.median(mine), statistics.median(sides["torch"])
        j = best_jax(results, workload, variant) if workload != "sgemm" else None
        name = f"{workload} {variant} {n}".strip()
        memory = rss.get((workload, variant, n), {})
        mine_rss = memory.get("origami") or rss.get((workload, "*", n), {}).get("origami")
        jax_rss = max((m.get("jax", 0) for (w, _, _), m in rss.items() if w == workload), default=0) or "-"
        memory = f"{mine_rss or '-'} / {memory.get('torch', '-')} / {jax_rss}"
        jax = f"{j:.1f} | {o / j:.3f}" if j else "- | -"
        if workload == "sgemm":
            print(f"| {name} (GFLOP/s) | {o:.1f} | {t:.1f} | {o / t:.2f}x throughput | - | - | {memory} |")
        else:
            print(f"| {name} (median µs) | {o:.1f} | {t:.1f} | {o / t:.3f} | {jax} | {memory} |")
    for (workload, variant, n), sides in sorted(results.items()):
        if "jax" in sides and "torch" not in sides:
            print(f"JAX {workload} {variant}: {statistics.median(sides['jax']):.1f} µs")

if __name__ == "__main__":
    main()
