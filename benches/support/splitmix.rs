//! SplitMix64, exactly as the reference scripts use it: `uniform(lo, hi)`
//! is computed in f64 and rounded to the nearest f32, tensors are drawn in
//! row-major order, one stream per workload.

use origami::prelude::Tensor;

/// The random stream shared with the reference implementations.
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In [0, 1), exact in f64.
    pub fn uniform01(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (-53f64).exp2()
    }

    /// `floor(u · k)`.
    pub fn randint(&mut self, k: usize) -> usize {
        (self.uniform01() * k as f64).floor() as usize
    }

    /// A tensor of `uniform(lo, hi)` draws, rounded to f32.
    pub fn uniform(&mut self, shape: &[usize], lo: f64, hi: f64) -> Tensor<f32> {
        let n = shape.iter().product();
        let data = (0..n)
            .map(|_| (lo + (hi - lo) * self.uniform01()) as f32)
            .collect();
        Tensor::from_vec(shape, data).expect("shape and data agree")
    }

    /// PyTorch's default `nn.Linear` init, stored `[fan_in, fan_out]`.
    pub fn linear(&mut self, fan_in: usize, fan_out: usize) -> [Tensor<f32>; 2] {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let w = self.uniform(&[fan_in, fan_out], -bound, bound);
        let b = self.uniform(&[fan_out], -bound, bound);
        [w, b]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_reference_self_check() {
        let mut r = super::SplitMix64::new(0);
        let got = [r.next_u64(), r.next_u64(), r.next_u64()];
        assert_eq!(
            got,
            [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
        );
    }
}
