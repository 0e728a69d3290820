//! A training step retains nothing: with a counting global allocator, the
//! bytes allocated during a step (tape, values, gradients, the second-order
//! graph of an Hv product) are all freed by the step's end.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use origami_tape::{Reduction, Tape, Tensor};

struct Counting;

thread_local! {
    /// Bytes this thread holds: other threads (the test harness) do not count.
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter only records sizes in a const-initialised thread-local `Cell`
// (which never allocates), so all of `GlobalAlloc`'s contracts are the
// system allocator's own.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.with(|b| b.set(b.get() + layout.size() as isize));
        // SAFETY: same layout, passed straight through.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.with(|b| b.set(b.get() - layout.size() as isize));
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn step(params: &mut [Tensor<f32>], x: &Tensor<f32>) {
    let grads = {
        let tape = Tape::new();
        let p: Vec<_> = params
            .iter()
            .enumerate()
            .map(|(i, t)| tape.param(i, t))
            .collect();
        let h = (tape.constant(x.clone()).matmul(p[0]) + p[1]).tanh();
        let loss = h.cross_entropy(&[0, 1, 2, 0], Reduction::Mean);
        // Second order too: the recorded backward graph must go with the tape.
        let hv = tape.hvp(loss, &p, &[Tensor::ones(&[3, 3]), Tensor::ones(&[3])]);
        assert_eq!(hv.len(), 2);
        loss.backward()
    };
    for (i, param) in params.iter_mut().enumerate() {
        let g = grads.get(i).expect("gradient");
        for (w, d) in param.data_mut().iter_mut().zip(g.data()) {
            *w -= 0.1 * d;
        }
    }
}

#[test]
fn a_step_frees_everything_it_allocates() {
    let x = Tensor::from_vec(&[4, 3], (0..12).map(|i| i as f32 / 10.0).collect()).unwrap();
    let mut params = vec![Tensor::full(&[3, 3], 0.1f32), Tensor::zeros(&[3])];
    step(&mut params, &x); // warm-up: lazily initialised runtime state
    let before = LIVE_BYTES.with(Cell::get);
    for _ in 0..100 {
        step(&mut params, &x);
    }
    let after = LIVE_BYTES.with(Cell::get);
    assert_eq!(after - before, 0, "bytes retained across 100 steps");
}
