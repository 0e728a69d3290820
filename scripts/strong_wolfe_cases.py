"""PyTorch's strong-Wolfe line search (torch.optim.lbfgs._strong_wolfe, the one
its L-BFGS calls) on Rosenbrock, in f64, from five points along two descent
directions each (steepest descent, and the gradient turned by 60 degrees), with
starting steps from far too short (the bracketing phase grows them) to far too
long (the zoom shrinks them), three evaluation budgets and two bracket
tolerances: the accepted step, its loss and the evaluations used.

Writes crates/origami-optim/tests/fixtures/strong_wolfe.tsv, which
crates/origami-optim/tests/line_search.rs replays.
Rerun: .venv/bin/python scripts/strong_wolfe_cases.py (needs torch).
"""
import math
from pathlib import Path

import torch
from torch.optim.lbfgs import _strong_wolfe


def rosenbrock(x, t, d):
    p = (x + t * d).detach().requires_grad_(True)
    f = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
    f.backward()
    return float(f.detach()), p.grad


rows = ["x0\tx1\td0\td1\tstart\ttolerance\tbudget\tstep\tloss\tevaluations"]
for x0, x1 in [(-1.2, 1.0), (0.0, 0.0), (1.5, 2.0), (-0.5, 0.5), (2.0, -1.0)]:
    x = torch.tensor([x0, x1], dtype=torch.float64)
    f, g = rosenbrock(x, 0.0, torch.zeros(2, dtype=torch.float64))
    turn = math.radians(60)
    for d in [-g, -torch.stack([g[0] * math.cos(turn) - g[1] * math.sin(turn),
                                g[0] * math.sin(turn) + g[1] * math.cos(turn)])]:
        gtd = float(g.dot(d))
        for start in [1e-6, 1e-4, 1e-2, 1.0, 10.0]:
            for budget in [25, 3, 2]:
                for tolerance in [1e-9, 1.0]:
                    f_new, _, t_new, evals = _strong_wolfe(
                        rosenbrock, x, start, d, f, g, gtd, tolerance_change=tolerance, max_ls=budget)
                    rows.append("\t".join([repr(float(v)) for v in (x0, x1, d[0], d[1], start, tolerance)]
                                          + [str(budget), repr(float(t_new)), repr(f_new), str(evals)]))
out = Path(__file__).parent.parent / "crates/origami-optim/tests/fixtures/strong_wolfe.tsv"
out.parent.mkdir(exist_ok=True)
out.write_text("\n".join(rows) + "\n")
print(f"{len(rows) - 1} cases written to {out}")
