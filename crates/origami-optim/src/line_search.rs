//! A line search satisfying the strong Wolfe conditions (Nocedal & Wright,
//! Numerical Optimization, Algorithms 3.5 and 3.6), with safeguarded cubic
//! interpolation: bracket a step with sufficient decrease
//! `f(t) ≤ f(0) + c₁·t·f'(0)` and small slope `|f'(t)| ≤ c₂·|f'(0)|`,
//! then zoom in.

/// Loss and flat gradient at a step along the search direction.
pub type Probe = (f64, Vec<f64>);

/// Settings of the search.
#[derive(Clone, Copy, Debug)]
pub struct WolfeSettings {
    /// Sufficient-decrease constant c₁.
    pub c1: f64,
    /// Curvature constant c₂.
    pub c2: f64,
    /// Stop when the bracket is narrower than this (times ‖d‖).
    pub tolerance_change: f64,
    /// Maximum evaluations.
    pub max_evals: usize,
}

impl Default for WolfeSettings {
    fn default() -> Self {
        Self {
            c1: 1e-4,
            c2: 0.9,
            tolerance_change: 1e-9,
            max_evals: 25,
        }
    }
}

/// The minimiser of the cubic through `(x1, f1, g1)` and `(x2, f2, g2)`,
/// clamped to `bounds` (the midpoint if the cubic has no minimum).
fn cubic_minimum(x1: f64, f1: f64, g1: f64, x2: f64, f2: f64, g2: f64, bounds: (f64, f64)) -> f64 {
    let (lo, hi) = bounds;
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    // Without a minimum `d1² − g1·g2` is negative and its root NaN; that,
    // like any other non-finite step, ends at the midpoint below.
    let d2 = (d1 * d1 - g1 * g2).sqrt();
    let t = if x1 <= x2 {
        x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
    } else {
        x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
    };
    if t.is_finite() {
        t.clamp(lo, hi)
    } else {
        (lo + hi) / 2.0
    }
}

/// One end of a bracket: step, loss, gradient, slope.
#[derive(Clone)]
struct Point {
    t: f64,
    f: f64,
    g: Vec<f64>,
    slope: f64,
}

/// Searches along `d` from a point with loss `f0`, gradient `g0` and slope
/// `gtd0 = g0·d < 0`, starting at step `t`. `probe(t)` evaluates there.
/// Returns the accepted step, its loss and gradient, and the evaluations.
pub fn strong_wolfe(
    mut probe: impl FnMut(f64) -> Probe,
    d: &[f64],
    t: f64,
    f0: f64,
    g0: &[f64],
    gtd0: f64,
    settings: WolfeSettings,
) -> (f64, f64, Vec<f64>, usize) {
    let slope = |g: &[f64]| g.iter().zip(d).map(|(a, b)| a * b).sum::<f64>();
    let d_norm = d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let at = |t: f64, (f, g): Probe| Point {
        t,
        f,
        slope: slope(&g),
        g,
    };
    let mut prev = Point {
        t: 0.0,
        f: f0,
        g: g0.to_vec(),
        slope: gtd0,
    };
    let mut new = at(t, probe(t));
    let mut evals = 1;
    let armijo = |p: &Point| p.f > f0 + settings.c1 * p.t * gtd0;
    let curvature_ok = |p: &Point| p.slope.abs() <= -settings.c2 * gtd0;
    // Phase 1: grow the step until the minimiser is bracketed.
    let mut bracket: Vec<Point> = Vec::new();
    let mut done = false;
    let mut iters = 0;
    while iters < settings.max_evals {
        if armijo(&new) || (iters > 1 && new.f >= prev.f) {
            bracket = vec![prev.clone(), new.clone()];
            break;
        }
        if curvature_ok(&new) {
            bracket = vec![new.clone()];
            done = true;
            break;
        }
        if new.slope >= 0.0 {
            bracket = vec![prev.clone(), new.clone()];
            break;
        }
        let (lo, hi) = (new.t + 0.01 * (new.t - prev.t), new.t * 10.0);
        let next_t = cubic_minimum(
            prev.t,
            prev.f,
            prev.slope,
            new.t,
            new.f,
            new.slope,
            (lo, hi),
        );
        prev = new;
        new = at(next_t, probe(next_t));
        evals += 1;
        iters += 1;
    }
    if iters == settings.max_evals {
        bracket = vec![
            Point {
                t: 0.0,
                f: f0,
                g: g0.to_vec(),
                slope: gtd0,
            },
            new.clone(),
        ];
    }
    // Phase 2: zoom inside the bracket.
    let mut insufficient = false;
    let (mut low, mut high) = if bracket.len() == 2 && bracket[0].f > bracket[1].f {
        (1, 0)
    } else {
        (0, 1)
    };
    while !done && iters < settings.max_evals && bracket.len() == 2 {
        let (a, b) = (&bracket[0], &bracket[1]);
        if (b.t - a.t).abs() * d_norm < settings.tolerance_change {
            break;
        }
        let (lo, hi) = (a.t.min(b.t), a.t.max(b.t));
        let mut t = cubic_minimum(a.t, a.f, a.slope, b.t, b.f, b.slope, (lo, hi));
        let eps = 0.1 * (hi - lo);
        if (hi - t).min(t - lo) < eps {
            if insufficient || t >= hi || t <= lo {
                t = if (t - hi).abs() < (t - lo).abs() {
                    hi - eps
                } else {
                    lo + eps
                };
                insufficient = false;
            } else {
                insufficient = true;
            }
        } else {
            insufficient = false;
        }
        let p = at(t, probe(t));
        evals += 1;
        iters += 1;
        if armijo(&p) || p.f >= bracket[low].f {
            bracket[high] = p;
            (low, high) = if bracket[0].f <= bracket[1].f {
                (0, 1)
            } else {
                (1, 0)
            };
        } else {
            if curvature_ok(&p) {
                done = true;
            } else if p.slope * (bracket[high].t - bracket[low].t) >= 0.0 {
                bracket[high] = bracket[low].clone();
            }
            bracket[low] = p;
        }
    }
    let best = bracket.swap_remove(if bracket.len() == 1 { 0 } else { low });
    (best.t, best.f, best.g, evals)
}

#[cfg(test)]
mod tests {
    use super::cubic_minimum;

    /// `f(t) = 2t³ − 3t² − 12t + 5`: `f'(t) = 6(t − 2)(t + 1)`, so its
    /// local minimum is at `t = 2`.
    fn cubic(t: f64) -> (f64, f64, f64) {
        (
            t,
            ((2.0 * t - 3.0) * t - 12.0) * t + 5.0,
            6.0 * (t - 2.0) * (t + 1.0),
        )
    }

    fn through(a: (f64, f64, f64), b: (f64, f64, f64), bounds: (f64, f64)) -> f64 {
        cubic_minimum(a.0, a.1, a.2, b.0, b.1, b.2, bounds)
    }

    #[test]
    fn the_cubic_through_two_points_is_minimised_exactly() {
        // Two points and slopes of a cubic determine it: its minimum comes
        // back, whichever point is given first (neither at 0, where a
        // difference of the two points equals their sum).
        let bounds = (-10.0, 10.0);
        for (a, b) in [
            (0.0, 3.0),
            (3.0, 0.0),
            (0.5, 2.5),
            (2.5, 0.5),
            (1.9, 4.0),
            (4.0, 1.9),
        ] {
            let t = through(cubic(a), cubic(b), bounds);
            assert!((t - 2.0).abs() < 1e-12, "from {a} and {b}: {t}");
        }
        // A quadratic is a cubic too: (t − 0.7)².
        let quadratic = |t: f64| (t, (t - 0.7) * (t - 0.7), 2.0 * (t - 0.7));
        let t = through(quadratic(0.0), quadratic(2.0), bounds);
        assert!((t - 0.7).abs() < 1e-12, "{t}");
    }

    #[test]
    fn the_minimum_is_clamped_and_its_absence_gives_the_midpoint() {
        assert_eq!(through(cubic(0.0), cubic(3.0), (0.5, 1.5)), 1.5);
        assert_eq!(through(cubic(0.0), cubic(3.0), (2.5, 3.0)), 2.5);
        // t³ + t rises everywhere: no minimum.
        let rising = |t: f64| (t, t * t * t + t, 3.0 * t * t + 1.0);
        assert_eq!(through(rising(-1.0), rising(1.0), (0.0, 0.5)), 0.25);
        // Flat between two equal losses: 0/0, the midpoint.
        assert_eq!(through((0.0, 1.0, 0.0), (2.0, 1.0, 0.0), (0.0, 1.0)), 0.5);
        // A loss that is not a number: the midpoint too.
        let (x, _, g) = cubic(3.0);
        assert_eq!(through(cubic(0.0), (x, f64::NAN, g), (1.0, 2.0)), 1.5);
    }
}
