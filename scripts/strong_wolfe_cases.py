"""PyTorch's strong-Wolfe line search (torch.optim.lbfgs._strong_wolfe, the one
its L-BFGS calls) in f64, from several points along two descent directions each
(steepest descent, and the gradient turned by 60 degrees), with starting steps
from far too short (the bracketing phase grows them) to far too long (the zoom
shrinks them), three evaluation budgets and two bracket tolerances: the
accepted step, its loss and the evaluations used. On Rosenbrock from five
points, and on a slope with a narrow bump, -a + a^2/100 + 1.77 exp(-((a -
0.92)/0.1)^2) + b^2, from two, where a step can land past the bump: higher
than the step before it while the slope is still negative (the search must
bracket all the same), or back at the starting loss (not a sufficient
decrease). There the steps also include 0.1 and the one that lands back at
the starting loss. And on a slope with a narrow dip, -a + a^2/100 - 2
exp(-((a - 1)/0.1)^2) + b^2, from one point, with 0.6 among the steps:
there the zoom's cubic lands near the far end of its bracket, so the
safeguard that keeps trial steps a tenth of the bracket from its ends is
exercised.

Writes crates/origami-optim/tests/fixtures/strong_wolfe.tsv, which
crates/origami-optim/tests/suite/line_search.rs replays.
Rerun: .venv/bin/python scripts/strong_wolfe_cases.py (needs torch).
"""
import math
from pathlib import Path

import torch
from torch.optim.lbfgs import _strong_wolfe


def along(loss):
    """`loss` as the line search's probe: the loss and gradient at x + t·d."""
    def probe(x, t, d):
        p = (x + t * d).detach().requires_grad_(True)
        f = loss(p)
        f.backward()
        return float(f.detach()), p.grad
    return probe


def slope_with(h, c):
    """-a + a^2/100 + h exp(-((a - c)/0.1)^2) + b^2: a bump (h > 0) or a dip."""
    return lambda p: -p[0] + p[0] ** 2 / 100 + h * torch.exp(-((p[0] - c) / 0.1) ** 2) + p[1] ** 2


functions = {
    "rosenbrock": along(lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2),
    "bump": along(slope_with(1.77, 0.92)),
    "dip": along(slope_with(-2.0, 1.0)),
}
starts = [("rosenbrock", (x0, x1)) for x0, x1 in [(-1.2, 1.0), (0.0, 0.0), (1.5, 2.0), (-0.5, 0.5), (2.0, -1.0)]]
starts += [("bump", (x0, x1)) for x0, x1 in [(0.0, 0.0), (0.0, 0.3)]]
starts += [("dip", (0.2, 0.5))]


def back_at_start(probe, x, d, f):
    """The step past the bump where the loss falls back to f, or None."""
    steps = [0.01 + i * 1e-3 for i in range(4000)]
    for a, b in zip(steps, steps[1:]):
        if probe(x, a, d)[0] >= f > probe(x, b, d)[0]:
            for _ in range(60):
                m = (a + b) / 2
                if probe(x, m, d)[0] >= f:
                    a = m
                else:
                    b = m
            return b
    return None


rows = ["function\tx0\tx1\td0\td1\tstart\ttolerance\tbudget\tstep\tloss\tevaluations"]
for name, (x0, x1) in starts:
    probe = functions[name]
    x = torch.tensor([x0, x1], dtype=torch.float64)
    f, g = probe(x, 0.0, torch.zeros(2, dtype=torch.float64))
    turn = math.radians(60)
    for d in [-g, -torch.stack([g[0] * math.cos(turn) - g[1] * math.sin(turn),
                                g[0] * math.sin(turn) + g[1] * math.cos(turn)])]:
        gtd = float(g.dot(d))
        steps = [1e-6, 1e-4, 1e-2, 1.0, 10.0]
        if name == "bump":
            steps += [0.1] + [t for t in [back_at_start(probe, x, d, f)] if t is not None]
        if name == "dip":
            steps += [0.6]
        for start in steps:
            for budget in [25, 3, 2]:
                for tolerance in [1e-9, 1.0]:
                    f_new, _, t_new, evals = _strong_wolfe(
                        probe, x, start, d, f, g, gtd, tolerance_change=tolerance, max_ls=budget)
                    rows.append("\t".join([name] + [repr(float(v)) for v in (x0, x1, d[0], d[1], start, tolerance)]
                                          + [str(budget), repr(float(t_new)), repr(f_new), str(evals)]))
out = Path(__file__).parent.parent / "crates/origami-optim/tests/fixtures/strong_wolfe.tsv"
out.parent.mkdir(exist_ok=True)
out.write_text("\n".join(rows) + "\n")
print(f"{len(rows) - 1} cases written to {out}")
