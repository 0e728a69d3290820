//! # checkpoint_cost — what checkpointed segments save and what they cost
//!
//! One training step (forward, backward) of two models, plain and with
//! checkpointed segments of about √L layers or steps:
//!
//! * a 32-layer MLP of width 512 (tanh, batch 128, f32), segments of 6
//!   layers (`Sequential::with_checkpoints`);
//! * a GRU over 1,000 steps (batch 16, input 32, hidden 128, f32), chunks
//!   of 32 steps (`Rnn::with_checkpoints`), with a loss on every step.
//!
//! Memory is counted by a global allocator that wraps the system's, above
//! what was live before the step (the model and the data): the bytes live
//! when the forward pass ends (what the tape keeps for backward: the
//! activations) and the peak of the whole step (which adds the gradients
//! and, checkpointed, one segment's recomputed inside). Time is the median of repeated steps after one warm-up.
//! The gradients of both runs are compared (GRU: bit for bit).
//!
//! `cargo run --release --example checkpoint_cost [-- --quick]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use origami::nn::{CellKind, Rnn, RnnConfig, Sequential, mlp};
use origami::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Live bytes when the forward pass ended (what the tape keeps).
static AFTER_FORWARD: AtomicUsize = AtomicUsize::new(0);

/// Notes the end of a step's forward pass.
fn forward_done() {
    AFTER_FORWARD.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` with the same arguments;
// the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap bytes of one call of `step` (which returns the gradients): kept
/// at the end of its forward pass, and at the peak of the whole step;
/// both above what was live before. The tensor cache is emptied first, so
/// every buffer the step needs is counted.
fn measure(step: &dyn Fn() -> Grads<f32>) -> (Bytes, Grads<f32>) {
    origami::tape::release_cached_memory();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let grads = step();
    let bytes = Bytes {
        kept: AFTER_FORWARD.load(Ordering::Relaxed) - before,
        peak: PEAK.load(Ordering::Relaxed) - before,
    };
    (bytes, grads)
}

/// What a step holds on the heap.
#[derive(Clone, Copy)]
struct Bytes {
    /// After the forward pass: the recorded activations.
    kept: usize,
    /// At the peak: activations being recomputed, gradients.
    peak: usize,
}

/// Median seconds over `repeats` steps after a warm-up.
fn time(step: &dyn Fn() -> Grads<f32>, repeats: usize) -> f64 {
    step();
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            step();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[repeats / 2]
}

struct Row {
    model: String,
    plain: (Bytes, f64),
    checkpointed: (Bytes, f64),
    largest_difference: f32,
}

fn compare(
    model: String,
    plain: &dyn Fn() -> Grads<f32>,
    lean: &dyn Fn() -> Grads<f32>,
    repeats: usize,
) -> Row {
    let (plain_bytes, a) = measure(plain);
    let (lean_bytes, b) = measure(lean);
    let largest_difference = a
        .iter()
        .zip(b.iter())
        .flat_map(|((_, x), (_, y))| x.data().iter().zip(y.data()).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max);
    Row {
        model,
        plain: (plain_bytes, time(plain, repeats)),
        checkpointed: (lean_bytes, time(lean, repeats)),
        largest_difference,
    }
}

fn mlp_row(depth: usize, width: usize, batch: usize, every: usize, repeats: usize) -> Row {
    let mut widths = vec![width; depth + 1];
    widths[depth] = 1;
    let rng = &mut StdRng::seed_from_u64(0);
    let net: Sequential<f32> = mlp(&widths, Activation::Tanh, Init::LecunNormal, rng);
    let lean = net.clone().with_checkpoints(every);
    let x = Tensor::<f32>::rand_uniform(&[batch, width], -1.0, 1.0, rng).expect("valid range");
    let step = |m: &Sequential<f32>| {
        let tape = Tape::new();
        let loss = m
            .forward(&tape, tape.constant(x.clone()))
            .square()
            .mean_all();
        forward_done();
        loss.backward()
    };
    let model = format!("MLP {depth} × {width}, batch {batch}, segments of {every} layers");
    compare(model, &|| step(&net), &|| step(&lean), repeats)
}

fn gru_row(steps: usize, batch: usize, hidden: usize, every: usize, repeats: usize) -> Row {
    let config = RnnConfig {
        kind: CellKind::Gru,
        input_size: 32,
        hidden_size: hidden,
        layers: 1,
        bidirectional: false,
    };
    let rng = &mut StdRng::seed_from_u64(1);
    let rnn = Rnn::<f32>::new(config, rng);
    let weights: Vec<(String, Tensor<f32>)> = rnn
        .params()
        .into_iter()
        .map(|(n, p)| (n, p.value().clone()))
        .collect();
    let lean = Rnn::from_tensors(config, weights)
        .expect("same shapes")
        .with_checkpoints(every);
    let xs: Vec<Tensor<f32>> = (0..steps)
        .map(|_| Tensor::rand_uniform(&[batch, 32], -1.0, 1.0, rng).expect("valid range"))
        .collect();
    // Both nets number their parameters in the same order, so their
    // gradients (sorted by id) line up.
    let step = |net: &Rnn<f32>| {
        let tape = Tape::new();
        let inputs: Vec<Var<'_, f32>> = xs.iter().map(|x| tape.constant(x.clone())).collect();
        let out = net.forward(&tape, &inputs, None);
        let loss = Var::stack(&out.outputs, 0).square().mean_all();
        forward_done();
        loss.backward()
    };
    let model =
        format!("GRU {steps} steps, batch {batch}, hidden {hidden}, chunks of {every} steps");
    compare(model, &|| step(&rnn), &|| step(&lean), repeats)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rows = if quick {
        vec![mlp_row(8, 64, 16, 3, 3), gru_row(50, 4, 16, 7, 3)]
    } else {
        vec![mlp_row(32, 512, 128, 6, 7), gru_row(1000, 16, 128, 32, 5)]
    };
    println!(
        "| model | kept by the forward pass: plain | checkpointed | ratio | step peak: plain | checkpointed | ratio | step time: plain | checkpointed | ratio | largest gradient difference |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        let ratio = |a: usize, b: usize| b as f64 / a as f64;
        let (p, c) = (r.plain.0, r.checkpointed.0);
        println!(
            "| {} | {:.1} MiB | {:.1} MiB | {:.2} | {:.1} MiB | {:.1} MiB | {:.2} | {:.1} ms | {:.1} ms | {:.2} | {:.1e} |",
            r.model,
            mib(p.kept),
            mib(c.kept),
            ratio(p.kept, c.kept),
            mib(p.peak),
            mib(c.peak),
            ratio(p.peak, c.peak),
            1e3 * r.plain.1,
            1e3 * r.checkpointed.1,
            r.checkpointed.1 / r.plain.1,
            r.largest_difference,
        );
    }
}
