"""JAX versions of origami's benchmark workloads W1–W6, written from the
workload specification (same SplitMix64 data and initial parameters as
workloads.py and the Rust side, same update rules, same timing rules).
Every step is one `jax.jit` call, timed until its result is ready.

  python3 benches/reference/workloads_jax.py w2      # one workload, JSON lines
  python3 benches/reference/compare.py               # runs it beside the others

Needs `pip install jax numpy`. For 1-thread figures run it pinned to one
core with XLA's own thread pool off; compare.py sets XLA_FLAGS for that.
"""
import sys

import jax
import jax.numpy as jnp
import numpy as np

import common
from common import timed

Stream = common.Stream


def report(workload, median_us, check, **extra):
    common.report("jax", workload, median_us, check, **extra)


def cross_entropy(logits, y):
    picked = jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0]
    return jnp.mean(jax.nn.logsumexp(logits, axis=1) - picked)


def mlp_loss(params, x, y, act):
    h = x
    for i in range(0, len(params) - 2, 2):
        h = act(h @ params[i] + params[i + 1])
    return cross_entropy(h @ params[-2] + params[-1], y)


def train(workload, params, batches, lr, act, warmup, steps, checks_at):
    """Plain SGD on `batches` (cycled), the whole step jitted."""
    @jax.jit
    def step(params, x, y):
        loss, grads = jax.value_and_grad(mlp_loss)(params, x, y, act)
        return [p - lr * g for p, g in zip(params, grads)], loss

    state, checks = [jnp.asarray(p) for p in params], {}

    def one(i):
        nonlocal state
        x, y = batches[i % len(batches)]
        state, loss = step(state, x, y)
        loss.block_until_ready()
        if i in checks_at:
            checks[f"loss_step{i}"] = round(float(loss), 6)
    report(workload, timed(warmup, steps, one), checks)


def w1():
    s = Stream(1)
    x = s.uniform((2048, 2), -1, 1)
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).astype(np.int32)
    params = s.linear(2, 16) + s.linear(16, 16) + s.linear(16, 2)
    batches = [(jnp.asarray(x[32 * b:32 * b + 32]), jnp.asarray(y[32 * b:32 * b + 32])) for b in range(64)]
    train("mlp_tiny", params, batches, 0.1, jnp.tanh, 200, 2000, (0, 1, 2, 10, 100, 2199))


def sequences(s):
    """W2's 1,024 sequences as 32 time-major batches, the first draws of `s`."""
    labels, tokens = [], []
    for _ in range(1024):
        label = int(np.floor(s.u01(1)[0] * 4))
        u = s.u01(128).reshape(64, 2)
        tokens.append(np.where(u[:, 0] < 0.5, 16 * label + np.floor(16 * u[:, 1]), np.floor(64 * u[:, 1])).astype(np.int32))
        labels.append(label)
    tokens, labels = np.stack(tokens), np.array(labels, dtype=np.int32)
    return [(jnp.asarray(tokens[32 * b:32 * b + 32].T), jnp.asarray(labels[32 * b:32 * b + 32])) for b in range(32)]


def w2():
    s = Stream(2)
    batches = sequences(s)
    bnd = 1 / np.sqrt(128)
    params = [s.uniform((64, 32), -1, 1), s.uniform((32, 128), -bnd, bnd), s.uniform((128, 128), -bnd, bnd),
              s.uniform((128,), -bnd, bnd), s.uniform((128, 4), -bnd, bnd), s.uniform((4,), -bnd, bnd)]

    def loss_fn(p, toks, y):
        emb, w_xh, w_hh, b_h, w_o, b_o = p
        projected = emb[toks] @ w_xh + b_h  # [64, 32, 128], every step at once

        def cell(h, z):
            h = jnp.tanh(z + h @ w_hh)
            return h, None
        h, _ = jax.lax.scan(cell, jnp.zeros((32, 128), jnp.float32), projected)
        return cross_entropy(h @ w_o + b_o, y)

    recurrent_train("rnn", params, batches, loss_fn)


def lstm_loss(p, toks, y):
    emb, w_ih, w_hh, b, w_o, b_o = p
    projected = emb[toks] @ w_ih + b  # [64, 32, 512]

    def cell(state, z):
        h, c = state
        i, f, g, o = jnp.split(z + h @ w_hh, 4, axis=1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None
    zeros = jnp.zeros((32, 128), jnp.float32)
    (h, _), _ = jax.lax.scan(cell, (zeros, zeros), projected)
    return cross_entropy(h @ w_o + b_o, y)


def gru_loss(p, toks, y):
    emb, w_ih, w_hh, b_ih, b_hh, w_o, b_o = p
    projected = emb[toks] @ w_ih + b_ih  # [64, 32, 384]

    def cell(h, z):
        ir, iz, i_n = jnp.split(z, 3, axis=1)
        hr, hz, hn = jnp.split(h @ w_hh + b_hh, 3, axis=1)
        r, u = jax.nn.sigmoid(ir + hr), jax.nn.sigmoid(iz + hz)
        n = jnp.tanh(i_n + r * hn)
        return (1 - u) * n + u * h, None
    h, _ = jax.lax.scan(cell, jnp.zeros((32, 128), jnp.float32), projected)
    return cross_entropy(h @ w_o + b_o, y)


def gated(workload, gates, biases, loss_fn):
    """W5 (LSTM: 4 gates, one bias) or W6 (GRU: 3 gates, two biases)."""
    s = Stream(2)
    batches = sequences(s)
    bnd = 1 / np.sqrt(128)
    params = [s.uniform((64, 32), -1, 1), s.uniform((32, 128 * gates), -bnd, bnd), s.uniform((128, 128 * gates), -bnd, bnd)]
    params += [s.uniform((128 * gates,), -bnd, bnd) for _ in range(biases)]
    params += [s.uniform((128, 4), -bnd, bnd), s.uniform((4,), -bnd, bnd)]
    recurrent_train(workload, params, batches, loss_fn)


def recurrent_train(workload, params, batches, loss_fn):
    """W2's training: clipping at 5 and momentum SGD, one jit per step."""
    @jax.jit
    def step(p, m, mu, toks, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, toks, y)
        norm = jnp.sqrt(sum(jnp.sum(g * g) for g in grads))
        scale = jnp.minimum(1.0, 5.0 / (norm + 1e-6))
        m = [mu * v + scale * g for v, g in zip(m, grads)]
        return [w - 0.05 * v for w, v in zip(p, m)], m, loss

    state = [jnp.asarray(p) for p in params]
    velocity = [jnp.zeros_like(p) for p in state]
    checks = {}

    def one(i):
        nonlocal state, velocity
        toks, y = batches[i % 32]
        state, velocity, loss = step(state, velocity, 0.0 if i == 0 else 0.9, toks, y)
        loss.block_until_ready()
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(float(loss), 6)
    report(workload, timed(20, 200, one), checks, variant="lax.scan")


def w3():
    s = Stream(3)
    x = s.uniform((2048, 784), 0, 1)
    y = np.floor(s.u01(2048) * 10).astype(np.int32)
    params = s.linear(784, 1024) + s.linear(1024, 1024) + s.linear(1024, 10)
    batches = [(jnp.asarray(x[256 * b:256 * b + 256]), jnp.asarray(y[256 * b:256 * b + 256])) for b in range(8)]
    train("mlp_wide", params, batches, 0.01, jax.nn.relu, 20, 200, (0, 1, 2, 10, 219))


def w4():
    s = Stream(1)
    x = s.uniform((2048, 2), -1, 1)[:256]
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).astype(np.int32)
    params = [jnp.asarray(p) for p in s.linear(2, 16) + s.linear(16, 16) + s.linear(16, 2)]
    st = Stream(4)
    vs = [jnp.asarray(st.uniform(tuple(p.shape), -1, 1)) for p in params]
    x, y = jnp.asarray(x), jnp.asarray(y)

    def f(p):
        return mlp_loss(p, x, y, jnp.tanh)

    grad = jax.jit(jax.grad(f))
    forward_over_reverse = jax.jit(lambda p, v: jax.jvp(jax.grad(f), (p,), (v,))[1])
    reverse_over_reverse = jax.jit(jax.grad(lambda p, v: sum(jnp.vdot(g, w) for g, w in zip(jax.grad(f)(p), v))))

    def ready(out):
        jax.block_until_ready(out)
        return out
    grad_us = timed(200, 2000, lambda i: ready(grad(params)))
    report("hvp", grad_us, {}, variant="grad")
    for name, fn in (("hvp_forward_over_reverse", forward_over_reverse), ("hvp_reverse_over_reverse", reverse_over_reverse)):
        hv = ready(fn(params, vs))
        check = {"norm": round(float(jnp.sqrt(sum(jnp.sum(h * h) for h in hv))), 6),
                 "dot_v": round(float(sum(jnp.vdot(h, v) for h, v in zip(hv, vs))), 6)}
        us = timed(200, 2000, lambda i: ready(fn(params, vs)))
        report("hvp", us, check, variant=name, ratio_vs_grad=us / grad_us)


if __name__ == "__main__":
    workloads = {"w0": [], "w1": [w1], "w2": [w2], "w3": [w3], "w4": [w4],
                 "w5": [lambda: gated("lstm", 4, 1, lstm_loss)], "w6": [lambda: gated("gru", 3, 2, gru_loss)]}
    for run in workloads[sys.argv[1]]:
        run()
