//! Everything a user can set, as one value that reads from and writes to
//! a URL query string (`data=circles&layers=8,8&act=relu&…`): the page's
//! address holds the whole state, and a bad value is an error naming its
//! key, never a panic.

use std::fmt;

/// The data set: four 2-D classification sets, a 1-D regression target,
/// or the user's own CSV (held by the session, not the URL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// A disc inside a ring: the essay's inside/outside.
    Circles,
    /// Four quadrants, opposite ones alike.
    Xor,
    /// Two interleaved spiral arms.
    Spirals,
    /// `classes` Gaussian blobs around a circle.
    Blobs,
    /// A 1-D sawtooth with three teeth, fitted by least squares.
    Sawtooth,
    /// Points uploaded as CSV.
    Csv,
}

/// The hidden units' non-linearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// `max(0, x)`: the only one with exact linear regions.
    Relu,
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^{-x})`.
    Sigmoid,
    /// LeCun's `1.7159 tanh(2x/3)`.
    LecunTanh,
}

/// How the initial weights are drawn (biases start at zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitKind {
    /// LeCun normal, `σ = 1/√fan_in`.
    Lecun,
    /// Kaiming (He) normal, `σ = gain/√fan_in`.
    He,
    /// Xavier (Glorot) normal.
    Xavier,
}

/// The order minibatches visit the training set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Reshuffled every epoch.
    Shuffled,
    /// Sorted by class, never shuffled: the essay's warning.
    Sorted,
}

/// The page's whole state but the data an upload brings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Which data set.
    pub data: DataKind,
    /// Number of points drawn (ignored for CSV).
    pub points: usize,
    /// Classes of the blobs (2–6).
    pub classes: usize,
    /// Noise level, 0–1 (scale of each set's own jitter).
    pub noise: f64,
    /// Share of the points held out as the test set, 0–0.9.
    pub test_share: f64,
    /// Hidden layer widths, 1–8 layers of 1–32 units.
    pub layers: Vec<usize>,
    /// Hidden activation.
    pub act: Act,
    /// Weight initialisation scheme.
    pub init: InitKind,
    /// Multiplies the scheme's standard deviation.
    pub init_scale: f64,
    /// `sgd`, `momentum`, `adam`, `lbfgs` or `sdlm`.
    pub optimizer: String,
    /// Learning rate (L-BFGS: step scale), 1e-5–10.
    pub lr: f64,
    /// Minibatch size (L-BFGS always takes the whole training set).
    pub batch: usize,
    /// Minibatch order.
    pub order: Order,
    /// Seed of the data, the weights and the minibatch order.
    pub seed: u64,
}

/// The optimizers the page offers.
pub const OPTIMIZERS: [&str; 5] = ["sgd", "momentum", "adam", "lbfgs", "sdlm"];

impl Default for Config {
    fn default() -> Self {
        Self {
            data: DataKind::Circles,
            points: 500,
            classes: 3,
            noise: 0.1,
            test_share: 0.5,
            layers: vec![8, 8],
            act: Act::Relu,
            init: InitKind::He,
            init_scale: 1.0,
            optimizer: "adam".into(),
            lr: 0.01,
            batch: 10,
            order: Order::Shuffled,
            seed: 1,
        }
    }
}

/// A value the page or a URL gave that cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The key (`layers`, `lr`, …).
    pub key: String,
    /// What is wrong with its value.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

const DATA: [(&str, DataKind); 6] = [
    ("circles", DataKind::Circles),
    ("xor", DataKind::Xor),
    ("spirals", DataKind::Spirals),
    ("blobs", DataKind::Blobs),
    ("sawtooth", DataKind::Sawtooth),
    ("csv", DataKind::Csv),
];
const ACTS: [(&str, Act); 4] = [
    ("relu", Act::Relu),
    ("tanh", Act::Tanh),
    ("sigmoid", Act::Sigmoid),
    ("lecun_tanh", Act::LecunTanh),
];
const INITS: [(&str, InitKind); 3] = [
    ("lecun", InitKind::Lecun),
    ("he", InitKind::He),
    ("xavier", InitKind::Xavier),
];
const ORDERS: [(&str, Order); 2] = [("shuffled", Order::Shuffled), ("sorted", Order::Sorted)];

fn name_of<V: PartialEq + Copy>(table: &[(&'static str, V)], value: V) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("?", |(n, _)| n)
}

fn choose<V: Copy>(key: &str, table: &[(&str, V)], text: &str) -> Result<V, ConfigError> {
    table
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let known: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            error(
                key,
                format!("unknown value {text:?} (known: {})", known.join(", ")),
            )
        })
}

fn error(key: &str, message: String) -> ConfigError {
    ConfigError {
        key: key.into(),
        message,
    }
}

fn number<N: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
    key: &str,
    text: &str,
    lo: N,
    hi: N,
) -> Result<N, ConfigError> {
    let value: N = text
        .parse()
        .map_err(|_| error(key, format!("{text:?} is not a number")))?;
    // `!(a <= b)` also refuses NaN.
    if !(lo <= value && value <= hi) {
        return Err(error(key, format!("{value} is outside {lo}..={hi}")));
    }
    Ok(value)
}

impl Config {
    /// Reads a query string (without `?`); keys not given keep their
    /// defaults, an unknown key or a bad value is an error.
    ///
    /// ```
    /// use origami_playground::Config;
    /// let config = Config::from_query("data=xor&layers=4,4,2&lr=0.03").unwrap();
    /// assert_eq!(config.layers, [4, 4, 2]);
    /// assert_eq!(Config::from_query(&config.to_query()).unwrap(), config);
    /// let err = Config::from_query("layers=4,40").unwrap_err();
    /// assert_eq!(err.to_string(), "layers: width 40 is outside 1..=32");
    /// ```
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first key whose value cannot be used.
    pub fn from_query(query: &str) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            config.set(key, value)?;
        }
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "data" => self.data = choose(key, &DATA, value)?,
            "points" => self.points = number(key, value, 10, 5000)?,
            "classes" => self.classes = number(key, value, 2, 6)?,
            "noise" => self.noise = number(key, value, 0.0, 1.0)?,
            "test" => self.test_share = number(key, value, 0.0, 0.9)?,
            "layers" => self.layers = widths(value)?,
            "act" => self.act = choose(key, &ACTS, value)?,
            "init" => self.init = choose(key, &INITS, value)?,
            "scale" => self.init_scale = number(key, value, 0.01, 10.0)?,
            "opt" => {
                if !OPTIMIZERS.contains(&value) {
                    let known = OPTIMIZERS.join(", ");
                    return Err(error(
                        key,
                        format!("unknown value {value:?} (known: {known})"),
                    ));
                }
                self.optimizer = value.into();
            }
            "lr" => self.lr = number(key, value, 1e-5, 10.0)?,
            "batch" => self.batch = number(key, value, 1, 5000)?,
            "order" => self.order = choose(key, &ORDERS, value)?,
            "seed" => self.seed = number(key, value, 0, u32::MAX as u64)?,
            _ => return Err(error(key, "unknown setting".into())),
        }
        Ok(())
    }

    /// The query string [`Config::from_query`] reads back to `self`.
    pub fn to_query(&self) -> String {
        let layers: Vec<String> = self.layers.iter().map(usize::to_string).collect();
        format!(
            "data={}&points={}&classes={}&noise={}&test={}&layers={}&act={}&init={}&scale={}&opt={}&lr={}&batch={}&order={}&seed={}",
            name_of(&DATA, self.data),
            self.points,
            self.classes,
            self.noise,
            self.test_share,
            layers.join(","),
            name_of(&ACTS, self.act),
            name_of(&INITS, self.init),
            self.init_scale,
            self.optimizer,
            self.lr,
            self.batch,
            name_of(&ORDERS, self.order),
            self.seed,
        )
    }
}

fn widths(text: &str) -> Result<Vec<usize>, ConfigError> {
    let widths = text
        .split(',')
        .map(|w| {
            let w = w.trim();
            let value: usize = w
                .parse()
                .map_err(|_| error("layers", format!("{w:?} is not a width")))?;
            if !(1..=32).contains(&value) {
                return Err(error("layers", format!("width {value} is outside 1..=32")));
            }
            Ok(value)
        })
        .collect::<Result<Vec<usize>, _>>()?;
    if widths.len() > 8 {
        return Err(error(
            "layers",
            format!("{} layers; at most 8", widths.len()),
        ));
    }
    Ok(widths)
}
