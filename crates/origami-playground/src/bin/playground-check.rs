//! Checks the page against native origami (the browser tests call it):
//!
//! * `playground-check weights <query> <steps> <out.safetensors>`: trains
//!   natively as the page would and writes the weights it exports;
//! * `playground-check compare <a.safetensors> <b.safetensors>`: prints
//!   the largest distance between the two files' weights, in ulps and
//!   relative to the largest magnitude in the tensor, and fails if the
//!   names or shapes differ;
//! * `playground-check regions <file.safetensors>`: loads weights the page
//!   exported (the configuration rides in their metadata) and prints the
//!   exact number of linear regions in the view box, as origami-probe
//!   counts them.

use std::path::Path;
use std::process::ExitCode;

use origami_nn::{decode_tensors, load_bytes};
use origami_playground::{Config, Session};
use origami_probe::{ReluNet, exact_regions_in_box, regions_along_segment};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["weights", query, steps, out] => weights(query, steps, out),
        ["compare", a, b] => compare(a, b),
        ["regions", file] => regions(file),
        _ => Err("usage: playground-check weights <query> <steps> <out> | compare <a> <b> | regions <file>".into()),
    };
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("playground-check: {message}");
            ExitCode::FAILURE
        }
    }
}

fn weights(query: &str, steps: &str, out: &str) -> Result<String, String> {
    let config = Config::from_query(query).map_err(|e| e.to_string())?;
    let steps: usize = steps
        .parse()
        .map_err(|_| format!("steps: {steps:?} is not a count"))?;
    let mut session = Session::new(config, None)?;
    for _ in 0..steps {
        session.step()?;
    }
    std::fs::write(out, session.export()).map_err(|e| format!("{out}: {e}"))?;
    Ok(format!("wrote {out} after {steps} steps"))
}

fn compare(a: &str, b: &str) -> Result<String, String> {
    let read = |path: &str| {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        decode_tensors::<f64>(&bytes, Path::new(path)).map_err(|e| e.to_string())
    };
    let ((left, _), (right, _)) = (read(a)?, read(b)?);
    let names = |t: &[(String, origami_tape::Tensor<f64>)]| {
        t.iter()
            .map(|(n, w)| (n.clone(), w.shape().to_vec()))
            .collect::<Vec<_>>()
    };
    if names(&left) != names(&right) {
        return Err(format!(
            "the files hold different tensors: {:?} and {:?}",
            names(&left),
            names(&right)
        ));
    }
    let (mut worst_ulps, mut worst_relative) = (0u64, 0.0f64);
    for ((_, x), (_, y)) in left.iter().zip(&right) {
        let scale = x
            .data()
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        for (p, q) in x.data().iter().zip(y.data()) {
            worst_ulps = worst_ulps.max(ulps(*p, *q));
            worst_relative = worst_relative.max((p - q).abs() / scale);
        }
    }
    Ok(format!(
        "max_ulps {worst_ulps} max_relative {worst_relative:e}"
    ))
}

/// How many representable doubles lie between `a` and `b` (same sign).
fn ulps(a: f64, b: f64) -> u64 {
    if a == b {
        return 0;
    }
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    key(a).abs_diff(key(b))
}

fn regions(file: &str) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let (_, metadata) =
        decode_tensors::<f64>(&bytes, Path::new(file)).map_err(|e| e.to_string())?;
    let query = metadata
        .get("config")
        .ok_or("the file has no \"config\" metadata")?;
    let config = Config::from_query(query).map_err(|e| e.to_string())?;
    let mut session = Session::new(config, None)?;
    load_bytes(&bytes, Path::new(file), &mut session.net).map_err(|e| e.to_string())?;
    let net = ReluNet::from_params(&session.net);
    let b = session.view_box();
    let count = if session.train.dims == 1 {
        regions_along_segment(&net, &[b.x.0], &[b.x.1]).regions
    } else {
        exact_regions_in_box(&net, (b.x.0, b.y.0), (b.x.1, b.y.1))
    };
    Ok(format!("regions {count}"))
}
