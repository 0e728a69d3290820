//! What the ordered sum costs on this machine's network (or shared
//! memory): for gradients of 10³ to 10⁷ scalars, the median time of
//! `Cluster::sharded_gradient_by_shapes` with one ready-made shard per
//! rank (cloning a tensor shares its storage), so nearly all of it is the
//! chain, the broadcast and the copies around them. One JSON line
//! per size on rank 0, for the README's cost model.
//!
//! ```text
//! mpirun -np 2 origami-allreduce-cost [--repeats 30]
//! ```

use std::time::Instant;

use origami_mpi::Cluster;
use origami_tape::{Grads, ParamId, Tensor};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut repeats = 30;
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--repeats", Some(n)) if n > 0 => repeats = n,
            _ => {
                return Err(format!(
                    "usage: origami-allreduce-cost [--repeats N]; got {flag}"
                ));
            }
        }
    }
    let cluster = Cluster::init().map_err(|e| e.to_string())?;
    for scalars in [1_000, 10_000, 100_000, 1_000_000, 10_000_000] {
        let shapes = [(ParamId(0), vec![scalars])];
        let part = Grads::from_entries(vec![(ParamId(0), Tensor::<f32>::full(&[scalars], 0.5))]);
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats + 3 {
            let start = Instant::now();
            cluster
                .sharded_gradient_by_shapes(&shapes, 1, 1, |_| Ok((1.0, part.clone())))
                .map_err(|e| e.to_string())?;
            times.push(start.elapsed().as_secs_f64());
        }
        let total = median(times.into_iter().skip(3));
        if cluster.is_root() {
            println!(
                "{{\"ranks\": {}, \"scalars\": {scalars}, \"bytes\": {}, \"median_us\": {:.1}}}",
                cluster.size(),
                4 * scalars,
                1e6 * total
            );
        }
    }
    Ok(())
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
