"""What the PyTorch and the JAX reference workloads share: SplitMix64
exactly as the workload specification draws data and initial parameters
(one stream per workload, tensors in row-major order, `uniform(lo, hi)`
computed in f64 and rounded to f32, numpy arrays), and the timing and
reporting rules (every step timed alone, the median as one JSON line).
"""
import json
import resource
import time

import numpy as np

GAMMA, M1, M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


class Stream:
    """SplitMix64; uniform(lo, hi) is computed in f64 and rounded to f32."""

    def __init__(self, seed):
        self.seed, self.count = np.uint64(seed), 0

    def u01(self, n):
        k = np.arange(self.count + 1, self.count + 1 + n, dtype=np.uint64)
        self.count += n
        with np.errstate(over="ignore"):
            z = self.seed + k * GAMMA
            z = (z ^ (z >> np.uint64(30))) * M1
            z = (z ^ (z >> np.uint64(27))) * M2
            z = z ^ (z >> np.uint64(31))
        return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53

    def uniform(self, shape, lo, hi):
        return (lo + (hi - lo) * self.u01(int(np.prod(shape)))).astype(np.float32).reshape(shape)

    def linear(self, fan_in, fan_out):
        b = 1.0 / np.sqrt(fan_in)
        return [self.uniform((fan_in, fan_out), -b, b), self.uniform((fan_out,), -b, b)]


def timed(warmup, steps, fn):
    """Runs fn(i) for warmup + steps indices; the median of the timed ones in µs."""
    for i in range(warmup):
        fn(i)
    out = []
    for i in range(warmup, warmup + steps):
        t = time.perf_counter_ns()
        fn(i)
        out.append(time.perf_counter_ns() - t)
    return float(np.median(out)) / 1e3


def report(framework, workload, median_us, check, **extra):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"workload": workload, "framework": framework, "median_us": median_us,
                      "peak_rss_mb": round(rss, 1), "check": check, **extra}), flush=True)
