//! Every schedule against its formula, epoch by epoch (PyTorch's StepLR,
//! ExponentialLR and CosineAnnealingLR in closed form), and the bold
//! driver's reactions to a loss that falls, rises or stays.

use origami_optim::{BoldDriver, Schedule};

fn assert_rates(schedule: Schedule, base: f64, want: impl Fn(f64) -> f64) {
    for epoch in 0..25 {
        let (got, want) = (schedule.rate(base, epoch), want(epoch as f64));
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1e-12),
            "{schedule:?}, epoch {epoch}: {got}, want {want}"
        );
    }
}

#[test]
fn each_schedule_follows_its_formula() {
    assert_rates(Schedule::Constant, 0.3, |_| 0.3);
    for (every, gamma) in [(1, 0.5), (3, 0.1), (7, 0.9)] {
        let schedule = Schedule::Step { every, gamma };
        assert_rates(schedule, 0.2, |e| {
            0.2 * gamma.powf((e / every as f64).floor())
        });
    }
    for gamma in [0.9, 0.5, 1.1] {
        assert_rates(Schedule::Exponential { gamma }, 0.2, |e| {
            0.2 * gamma.powf(e)
        });
    }
    for (epochs, min) in [(10, 0.0), (10, 0.01), (4, 0.05)] {
        let schedule = Schedule::Cosine { epochs, min };
        assert_rates(schedule, 0.2, |e| {
            // Held at `min` once the half period is over.
            let t = e.min(epochs as f64) / epochs as f64;
            min + (0.2 - min) * (1.0 + (std::f64::consts::PI * t).cos()) / 2.0
        });
    }
}

#[test]
fn degenerate_periods_do_not_divide_by_zero() {
    // A step every 0 epochs decays every epoch; a cosine over 0 epochs has
    // nothing to anneal over and keeps the base rate.
    let every_epoch = Schedule::Step {
        every: 0,
        gamma: 0.5,
    };
    assert_rates(every_epoch, 1.0, |e| 0.5f64.powf(e));
    let over_nothing = Schedule::Cosine {
        epochs: 0,
        min: 0.1,
    };
    assert_rates(over_nothing, 1.0, |_| 1.0);
}

#[test]
fn the_bold_driver_speeds_up_on_a_fall_and_brakes_on_a_rise() {
    let mut driver = BoldDriver::default();
    (driver.increase, driver.decrease) = (1.1, 0.25);
    let mut lr = 1.0;
    let mut rates = Vec::new();
    for loss in [5.0, 4.0, 3.0, 3.0, 3.5, 2.0] {
        lr = driver.next(lr, loss);
        rates.push(lr);
    }
    let want = [
        1.0,
        1.1,
        1.1 * 1.1,
        1.1 * 1.1,
        1.1 * 1.1 * 0.25,
        1.1 * 1.1 * 0.25 * 1.1,
    ];
    for (got, want) in rates.iter().zip(want) {
        assert!((got - want).abs() < 1e-15, "{rates:?}");
    }
    let defaults = BoldDriver::default();
    assert_eq!((defaults.increase, defaults.decrease), (1.05, 0.5));
}
