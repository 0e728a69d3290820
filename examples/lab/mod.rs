//! The lab's shared helpers, included by every lab example with
//! `#[path = "lab/mod.rs"] mod lab;`: the run's provenance and its JSON
//! record ([`record`]), statistics over seeds ([`stats`]), readable axes
//! ([`axis`]), line figures with mean ± sd bands ([`figure`]), 2-D maps
//! ([`map`]) and runs with a planted pathology for the doctor ([`pathology`]).

// Each example uses a subset of these helpers.
#![allow(dead_code)]

pub mod axis;
pub mod data;
pub mod figure;
pub mod map;
pub mod palette;
pub mod pathology;
pub mod record;
pub mod stats;
