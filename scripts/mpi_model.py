#!/usr/bin/env python3
"""The cost model of origami-mpi's ordered sum, and what it predicts for a
training step on many machines (README, "Beyond one machine").

A step on N ranks with b examples each takes b*t (the computation, t per
example, measured here on one core) plus the sum of a G-scalar f32
gradient:

    chain:     (N - 2 + C) * (alpha + 4G / (C * beta))   C = chunks (reduce.rs)
    broadcast: ceil(log2 N) * (alpha + 4G / beta)         (a binomial tree)

alpha is the latency of one message, beta the bandwidth. The break-even
batch per rank is the b at which computation equals communication (half
the time spent summing); above it the step is dominated by computation.

    python3 scripts/mpi_model.py            # the README's table
    python3 scripts/mpi_model.py --check    # the model against 2 ranks here
"""
import math
import sys

# Per-example computation on one core, measured (scripts/mpi.sh scaling,
# AMD EPYC AVX-512, 2026-11-30): W2's 1-thread step, 1.32 ms for 32
# sequences; the language-ID showcase's 1-thread epoch, 9.2 s for 1,800
# steps of 32 words (validation included, so slightly high).
WORKLOADS = {
    "W2 (Elman, 23,172 parameters)": (23_172, 1.32e-3 / 32),
    "language ID, --preset strong (bidirectional GRU, 128,264)": (128_264, 9.2 / 1800 / 32),
}
# Assumed networks: MPI over TCP on 10 Gbit/s Ethernet, and RDMA on
# 100 Gbit/s InfiniBand or RoCE (typical small-message latencies; bandwidth
# a little under the line rate).
NETWORKS = {"10 Gbit/s": (25e-6, 1.1e9), "100 Gbit/s": (2e-6, 11e9)}
# Shared memory between two ranks of this machine, fitted to
# origami-allreduce-cost (10,000 and 1,000,000 scalars).
SHARED_MEMORY = (2e-6, 11e9)


def chunks(scalars, ranks):
    """As reduce.rs's chunk_len: about sqrt(N - 1) chunks of 2^10..2^16."""
    per = math.ceil(scalars / max(1, math.ceil(math.sqrt(ranks - 1))))
    per = min(max(per, 1 << 10), 1 << 16)
    return math.ceil(scalars / per)


def sum_time(scalars, ranks, alpha, beta):
    if ranks == 1:
        return 0.0
    c = chunks(scalars, ranks)
    chain = (ranks - 2 + c) * (alpha + 4 * scalars / (c * beta))
    broadcast = math.ceil(math.log2(ranks)) * (alpha + 4 * scalars / beta)
    return chain + broadcast


def table():
    print("| workload | network | ranks | sum (ms) | step at 32 per rank (ms) | break-even batch per rank |")
    print("|---|---|---|---|---|---|")
    for name, (scalars, per_example) in WORKLOADS.items():
        for net, (alpha, beta) in NETWORKS.items():
            for ranks in (8, 64, 512):
                s = sum_time(scalars, ranks, alpha, beta)
                print(f"| {name} | {net} | {ranks} | {1e3 * s:.2f} | "
                      f"{1e3 * (32 * per_example + s):.2f} | {math.ceil(s / per_example)} |")


def check():
    alpha, beta = SHARED_MEMORY
    for scalars in (1_000, 10_000, 100_000, 1_000_000):
        print(f"{scalars:>9} scalars on 2 ranks: model {1e6 * sum_time(scalars, 2, alpha, beta):7.1f} us")
    scalars, per_example = WORKLOADS["W2 (Elman, 23,172 parameters)"]
    step = 16 * per_example + sum_time(scalars, 2, alpha, beta)
    print(f"W2 on 2 ranks of 16 sequences: model {1e6 * step:.0f} us")


if __name__ == "__main__":
    check() if "--check" in sys.argv[1:] else table()
