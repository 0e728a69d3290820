//! Learning-rate schedules: step, exponential and cosine decay as functions
//! of the epoch, and the adaptive "bold driver" that reacts to the loss.

/// A rate as a function of the epoch (0-based).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// `base · gamma^⌊epoch / every⌋`.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Factor per decay.
        gamma: f64,
    },
    /// `base · gamma^epoch`.
    Exponential {
        /// Factor per epoch.
        gamma: f64,
    },
    /// `min + (base − min)(1 + cos(π·epoch / epochs)) / 2`.
    Cosine {
        /// Length of the half period.
        epochs: usize,
        /// Final rate.
        min: f64,
    },
}

impl Schedule {
    /// The rate at `epoch` for base rate `base`.
    ///
    /// ```
    /// use origami_optim::Schedule;
    /// assert_eq!(Schedule::Step { every: 2, gamma: 0.5 }.rate(1.0, 5), 0.25);
    /// assert!((Schedule::Cosine { epochs: 10, min: 0.0 }.rate(1.0, 10)).abs() < 1e-12);
    /// ```
    pub fn rate(self, base: f64, epoch: usize) -> f64 {
        match self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * gamma.powi((epoch / every.max(1)) as i32),
            Schedule::Exponential { gamma } => base * gamma.powi(epoch as i32),
            Schedule::Cosine { epochs, min } => {
                let t = (epoch.min(epochs) as f64) / (epochs.max(1) as f64);
                min + (base - min) * (1.0 + (std::f64::consts::PI * t).cos()) / 2.0
            }
        }
    }
}

/// The "bold driver" (Battiti; Efficient BackProp): raise the rate a
/// little while the loss falls, cut it sharply when the loss rises.
#[derive(Clone, Debug, PartialEq)]
pub struct BoldDriver {
    /// Factor when the loss fell (e.g. 1.05).
    pub increase: f64,
    /// Factor when the loss rose (e.g. 0.5).
    pub decrease: f64,
    previous: Option<f64>,
}

impl Default for BoldDriver {
    fn default() -> Self {
        Self {
            increase: 1.05,
            decrease: 0.5,
            previous: None,
        }
    }
}

impl BoldDriver {
    /// The next rate, given the current one and the loss it produced.
    ///
    /// ```
    /// use origami_optim::BoldDriver;
    /// let mut b = BoldDriver::default();
    /// assert_eq!(b.next(1.0, 3.0), 1.0);          // first loss: no change
    /// assert_eq!(b.next(1.0, 2.0), 1.05);         // fell
    /// assert_eq!(b.next(1.05, 2.5), 0.525);       // rose
    /// ```
    pub fn next(&mut self, lr: f64, loss: f64) -> f64 {
        let rate = match self.previous {
            Some(prev) if loss < prev => lr * self.increase,
            Some(prev) if loss > prev => lr * self.decrease,
            _ => lr,
        };
        self.previous = Some(loss);
        rate
    }
}
