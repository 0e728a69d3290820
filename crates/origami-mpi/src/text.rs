//! Text between ranks: every rank's text gathered on rank 0 (records of
//! a sweep, error messages), rank 0's text sent to all, and the agreement
//! on whether every rank's work succeeded, so that all of them return the
//! same error instead of some waiting forever for the others.

use mpi::traits::*;

use crate::{Cluster, MpiError};

impl Cluster {
    /// Every rank's `text`, in rank order, on rank 0 (`None` elsewhere).
    pub fn gather_text(&self, text: &str) -> Option<Vec<String>> {
        if !self.is_root() {
            self.world.process_at_rank(0).send(&framed(text)[..]);
            return None;
        }
        let mut all = vec![text.to_string()];
        for rank in 1..self.size {
            let (bytes, _) = self.world.process_at_rank(rank as i32).receive_vec::<u8>();
            all.push(unframed(&bytes));
        }
        Some(all)
    }

    /// Rank 0's `text` on every rank (the others' `text` is ignored).
    pub fn broadcast_text(&self, text: &str) -> String {
        let root = self.world.process_at_rank(0);
        let mut bytes = framed(text);
        let mut len = [bytes.len() as u64];
        root.broadcast_into(&mut len[..]);
        bytes.resize(len[0] as usize, 0);
        root.broadcast_into(&mut bytes[..]);
        unframed(&bytes)
    }

    /// Whether every rank's `outcome` is `Ok`: if not, every rank returns
    /// [`MpiError::Rank`] with the failed ranks' messages (`rank k: …`, or
    /// the message alone when every rank failed alike). A collective call:
    /// every rank must make it.
    ///
    /// Every collective call of this crate (`broadcast_params`,
    /// `sharded_gradient`, `check_replicas`) starts with this agreement.
    /// So a rank that fails on its own (it cannot read its data, say) and
    /// calls `agree(Err(…))` instead of going on is heard by the others at
    /// their next collective call, which returns the error: all ranks then
    /// end together, none waits forever.
    pub fn agree(&self, outcome: Result<(), String>) -> Result<(), MpiError> {
        let mine = [u8::from(outcome.is_err())];
        let mut all = vec![0u8; self.size];
        self.world.all_gather_into(&mine[..], &mut all[..]);
        if all.iter().all(|&failed| failed == 0) {
            return Ok(());
        }
        let message = outcome.err().unwrap_or_default();
        let combined = self.gather_text(&message).map(|messages| {
            let failed: Vec<(usize, &String)> = messages
                .iter()
                .enumerate()
                .filter(|(rank, _)| all[*rank] == 1)
                .collect();
            if failed.len() == self.size && failed.iter().all(|(_, m)| *m == failed[0].1) {
                return failed[0].1.clone();
            }
            failed
                .iter()
                .map(|(rank, m)| format!("rank {rank}: {m}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        Err(MpiError::Rank(
            self.broadcast_text(&combined.unwrap_or_default()),
        ))
    }
}

/// `text` with one byte more: MPI reads an empty buffer's address (1, for
/// an empty Rust slice of bytes) as `MPI_IN_PLACE` and refuses it.
fn framed(text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(b'.');
    bytes
}

fn unframed(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().saturating_sub(1)]).into_owned()
}
