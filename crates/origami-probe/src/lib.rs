//! # origami-probe
//!
//! Probes that make a network's knobs visible. Each returns plain data;
//! the lab examples turn it into tables and plots.
//!
//! * Linear regions of ReLU nets: [`regions_along_segment`] (exact, by
//!   walking boundaries), [`exact_regions_in_box`] and
//!   [`exact_region_polygons`] (2-D, exact, by splitting polygons) and [`patterns_on_grid`] (2-D, with the map).
//! * [`layer_sensitivity`]: accuracy drop and output change when one
//!   layer's weights get noise scaled to their RMS.
//! * Gradient flow: [`layer_gradient_norms`], [`gradient_norm_under`],
//!   [`time_step_gradient_norms`];
//!   [`saturation`] (saturated and dead units).
//! * Curvature lives in `origami_optim` (`top_hessian_eigenvalue`,
//!   `layer_top_eigenvalues`, `gauss_newton_diagonal_by_layer`), beside
//!   the products it is computed from.
//! * [`trajectory_lengths`]: the arc length of a curve's image per layer.
//! * [`doctor`]: a [`Doctor`] that watches training and turns these
//!   measurements into findings (vanishing gradients, dead units, a rate
//!   past the stable limit, class-sorted data, …) with advice.
//!
//! ```
//! use origami_nn::{mlp, Activation, Init, Module};
//! use origami_probe::{layer_gradient_norms, saturation};
//! use origami_tape::{Reduction, Tape, Tensor};
//! use rand::SeedableRng;
//!
//! let net = mlp::<f64>(&[2, 8, 8, 2], Activation::Tanh, Init::Normal(3.0),
//!                      &mut rand::rngs::StdRng::seed_from_u64(0));
//! let tape = Tape::new();
//! let x = tape.constant(Tensor::from_vec(&[2, 2], vec![0.5, -1.0, 1.0, 0.2]).unwrap());
//! // How much gradient reaches each layer ("0.", "2.", "4.") ...
//! let loss = net.forward(&tape, x).cross_entropy(&[0, 1], Reduction::Mean);
//! let norms = layer_gradient_norms(&net, &loss.backward());
//! assert_eq!(norms.len(), 3);
//! // ... and how many tanh units of the first layer sit saturated
//! // (tanh' < 0.05) with weights this large.
//! let z = net.forward_all(&tape, x)[0].value();
//! assert!(saturation(&z, Activation::Tanh, 0.05).saturated > 0.3);
//! ```

#![warn(missing_docs)]

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

pub mod doctor;
mod flow;
mod polygons;
mod regions;
mod sensitivity;
mod trajectory;

pub use doctor::Doctor;
pub use flow::{
    Saturation, gradient_norm_under, layer_gradient_norms, saturation, time_step_gradient_norms,
};
pub use polygons::{Region, exact_region_polygons, exact_regions_in_box};
pub use regions::{GridPatterns, ReluNet, SegmentRegions, patterns_on_grid, regions_along_segment};
pub use sensitivity::{Sensitivity, layer_sensitivity};
pub use trajectory::{arc_length, circle, trajectory_lengths};
