//! Shapes, NumPy broadcasting, and the row walk shared by element-wise and
//! reduction kernels.
//!
//! A shape is a `SmallVec` of dimensions: rank 0 is a scalar, zero-size
//! dimensions are allowed. Broadcasting aligns shapes on the right; a
//! dimension of 1 stretches to match the other side.

use smallvec::SmallVec;

use crate::error::TapeError;

/// The dimensions of a tensor, outermost first.
pub type Shape = SmallVec<[usize; 4]>;

/// Builds a [`Shape`] from a slice.
pub fn shape_of(dims: &[usize]) -> Shape {
    SmallVec::from_slice(dims)
}

/// The number of elements of `dims`, or an error naming `op` on overflow.
pub(crate) fn checked_numel(op: &'static str, dims: &[usize]) -> Result<usize, TapeError> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(TapeError::Overflow {
            op,
            shape: shape_of(dims),
        })
}

/// The broadcast of two shapes (NumPy rules), or `None` if they clash.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Shape> {
    let rank = a.len().max(b.len());
    let mut out = Shape::with_capacity(rank);
    for i in 0..rank {
        let da = dim_from_right(a, rank - 1 - i);
        let db = dim_from_right(b, rank - 1 - i);
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// Dimension `i` counted from the right of `dims` (1 past the left end).
fn dim_from_right(dims: &[usize], i: usize) -> usize {
    if i < dims.len() {
        dims[dims.len() - 1 - i]
    } else {
        1
    }
}

/// Row-major strides of `src` as seen from the broadcast shape `out`:
/// axes that `src` lacks or stretches from 1 get stride 0.
pub(crate) fn broadcast_strides(src: &[usize], out: &[usize]) -> Shape {
    let mut strides: Shape = SmallVec::from_elem(0, out.len());
    let mut step = 1;
    for i in 0..src.len() {
        let axis = out.len() - 1 - i;
        let d = src[src.len() - 1 - i];
        if d != 1 {
            strides[axis] = step;
        }
        step *= d;
    }
    strides
}

/// Walks `shape` one innermost row at a time. For every row, `f` receives
/// the flat row index and the starting offset of that row in each of the
/// `N` strided buffers. The inner dimension (`shape.last()`) and the inner
/// strides are left to the caller, who loops over the row itself.
#[inline(always)]
pub(crate) fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    mut f: impl FnMut(usize, [usize; N]),
) {
    let rank = shape.len();
    if rank == 0 {
        f(0, [0; N]);
        return;
    }
    if shape.contains(&0) {
        return;
    }
    if rank == 2 {
        // The common case, without the odometer.
        let mut offsets = [0usize; N];
        for row in 0..shape[0] {
            f(row, offsets);
            for (off, st) in offsets.iter_mut().zip(&strides) {
                *off += st[0];
            }
        }
        return;
    }
    let rows: usize = shape[..rank - 1].iter().product();
    let mut index: Shape = SmallVec::from_elem(0, rank - 1);
    let mut offsets = [0usize; N];
    for row in 0..rows {
        f(row, offsets);
        // Advance the multi-index like an odometer, fixing the offsets.
        for axis in (0..rank - 1).rev() {
            index[axis] += 1;
            for (off, st) in offsets.iter_mut().zip(&strides) {
                *off += st[axis];
            }
            if index[axis] < shape[axis] {
                break;
            }
            for (off, st) in offsets.iter_mut().zip(&strides) {
                *off -= st[axis] * shape[axis];
            }
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 2]).unwrap().as_slice(), &[2, 2]);
        assert_eq!(
            broadcast_shapes(&[0, 1], &[1, 5]).unwrap().as_slice(),
            &[0, 5]
        );
        assert!(broadcast_shapes(&[3], &[4]).is_none());
    }

    #[test]
    fn strides_zero_on_stretched_axes() {
        assert_eq!(
            broadcast_strides(&[3, 1], &[2, 3, 4]).as_slice(),
            &[0, 1, 0]
        );
        assert_eq!(
            broadcast_strides(&[2, 3, 4], &[2, 3, 4]).as_slice(),
            &[12, 4, 1]
        );
    }

    #[test]
    fn rows_visit_offsets_in_order() {
        let strides = broadcast_strides(&[2, 1, 3], &[2, 2, 3]);
        let mut seen = vec![];
        for_each_row(&[2, 2, 3], [&strides], |row, [off]| seen.push((row, off)));
        assert_eq!(seen, vec![(0, 0), (1, 0), (2, 3), (3, 3)]);
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(checked_numel("t", &[usize::MAX, 2]).is_err());
        assert_eq!(checked_numel("t", &[]).unwrap(), 1);
    }
}
