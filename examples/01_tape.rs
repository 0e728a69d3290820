//! # 01 — the tape in five minutes
//!
//! Fits a tiny two-layer tanh network to XOR with plain gradient descent,
//! then shows the second-order tools the tape offers: the gradient of a
//! gradient and an exact Hessian-vector product.
//!
//! Run with `cargo run --release --example 01_tape`.

use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() -> Result<(), origami::tape::TapeError> {
    // The data: the four corners of the square, labelled by XOR.
    let x = Tensor::from_vec(&[4, 2], vec![0.0f32, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])?;
    let labels = [0, 1, 1, 0];

    // Parameters are plain tensors owned by us, not by the tape.
    let mut rng = StdRng::seed_from_u64(7);
    let mut params = [
        Tensor::randn(&[2, 8], 0.0, 1.0, &mut rng)?,
        Tensor::zeros(&[8]),
        Tensor::randn(&[8, 2], 0.0, 0.5, &mut rng)?,
        Tensor::zeros(&[2]),
    ];

    for step in 0..=500 {
        // A fresh tape per step: bind the parameters, record, back-propagate.
        let tape = Tape::new();
        let p: Vec<_> = params
            .iter()
            .enumerate()
            .map(|(i, t)| tape.param(i, t))
            .collect();
        let hidden = (tape.constant(x.clone()).matmul(p[0]) + p[1]).tanh();
        let logits = hidden.matmul(p[2]) + p[3];
        let loss = logits.cross_entropy(&labels, Reduction::Mean);
        let grads = loss.backward();
        if step % 100 == 0 {
            println!("step {step:3}  loss {:.4}", loss.value().item());
        }
        // Plain SGD; the tape (and every value on it) is dropped here.
        for (i, param) in params.iter_mut().enumerate() {
            let g = grads.get(i).expect("every parameter reaches the loss");
            for (w, d) in param.data_mut().iter_mut().zip(g.data()) {
                *w -= 0.5 * d;
            }
        }
    }

    // Higher order: d/dx (x³) = 3x², d²/dx² = 6x, at x = 2.
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::scalar(2.0));
    let dy = tape.grad(&[x * x * x], &[x], true)[0];
    let d2y = tape.grad(&[dy], &[x], false)[0];
    println!(
        "x³ at 2: first derivative {}, second {}",
        dy.value().item(),
        d2y.value().item()
    );

    // An exact Hessian-vector product of L = Σ w² · softplus(w).
    let tape = Tape::<f64>::new();
    let w = tape.var(Tensor::from_vec(&[3], vec![0.5, -1.0, 2.0])?);
    let loss = (w * w * w.softplus()).sum_all();
    let hv = tape.hvp(loss, &[w], &[Tensor::ones(&[3])]);
    println!("H·1 of Σ w²·softplus(w): {:?}", hv[0]);
    Ok(())
}
