//! Anomaly detection: with a tape made by [`Tape::with_anomaly_detection`],
//! every forward value and every backward gradient is checked for NaN and
//! infinity, and the first offender is reported with the op, its position
//! on the tape, its input shapes and the source line that created it
//! (captured with `#[track_caller]`). A normal tape skips all of this: one
//! flag test per op.
//!
//! [`Tape::with_anomaly_detection`]: crate::Tape::with_anomaly_detection

use std::fmt;
use std::panic::Location;

use crate::shape::Shape;

/// Where a non-finite value first appeared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// In an op's output.
    Forward,
    /// In a gradient an op's backward rule produced.
    Backward,
}

/// The first non-finite value on an anomaly-checking tape.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct Anomaly {
    /// Forward value or backward gradient.
    pub phase: Phase,
    /// The op's name (`"log"`, `"matmul"`, …).
    pub op: &'static str,
    /// Its position on the tape.
    pub index: usize,
    /// The shapes of its inputs.
    pub input_shapes: Vec<Shape>,
    /// For a backward anomaly, which input's gradient was not finite.
    pub input: Option<usize>,
    /// `file:line:column` of the call that recorded the op.
    pub location: Option<&'static Location<'static>>,
    /// For an op inside a checkpointed segment ([`Tape::checkpoint`]), the
    /// segment's node on the outer tape (`index` is then the op's position
    /// on the segment's own tape).
    ///
    /// [`Tape::checkpoint`]: crate::Tape::checkpoint
    pub segment: Option<usize>,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shapes: Vec<String> = self
            .input_shapes
            .iter()
            .map(|s| format!("{:?}", s.as_slice()))
            .collect();
        match self.phase {
            Phase::Forward => write!(f, "non-finite output of {} (node {}", self.op, self.index)?,
            Phase::Backward => write!(
                f,
                "non-finite gradient for input {} of {} (node {}",
                self.input.unwrap_or(0),
                self.op,
                self.index
            )?,
        }
        match self.segment {
            Some(node) => write!(f, " of the checkpointed segment at node {node})")?,
            None => write!(f, ")")?,
        }
        write!(f, " with inputs {}", shapes.join(", "))?;
        if let Some(at) = self.location {
            write!(f, ", recorded at {at}")?;
        }
        Ok(())
    }
}
