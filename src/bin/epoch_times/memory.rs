//! Memory for large data sets, in 2 MB pages where Linux allows: what NumPy
//! does for every array of 4 MB or more.
//!
//! The processor translates every address it reads through the TLB, a small
//! cache of page translations: a few thousand entries, some 12 MB of memory in
//! ordinary 4 KB pages. A shuffled epoch reads the 79 MB MNIST data set in 6 KB
//! rows at random, so nearly every row misses the TLB and waits for a walk
//! through the page tables. In 2 MB pages, 40 entries cover the whole data set.
//! `epoch_times --ladder` measures what that is worth.

use ndarray::Array2;

// ANCHOR: with_capacity
/// An empty vector with room for `capacity` values, whose memory Linux is
/// asked to back with 2 MB pages when it is first written. Only a hint: where
/// it is not granted, the vector is an ordinary one.
pub fn with_capacity(capacity: usize) -> Vec<f64> {
    let values = Vec::with_capacity(capacity);
    #[cfg(target_os = "linux")]
    advise_huge_pages(values.as_ptr() as usize, capacity * size_of::<f64>());
    values
}
// ANCHOR_END: with_capacity

/// `x` moved into memory from [`with_capacity`]: the same values, in 2 MB
/// pages where Linux grants them. The copy is made once, at load time.
pub fn in_huge_pages(x: Array2<f64>) -> Array2<f64> {
    let mut values = with_capacity(x.len());
    values.extend(x.iter());
    let shape = x.raw_dim();
    drop(x);
    Array2::from_shape_vec(shape, values).expect("one value per element")
}

/// Asks for 2 MB pages for the 2 MB-aligned part of `len` bytes at `start`,
/// which must be memory of this process's own allocations.
#[cfg(target_os = "linux")]
fn advise_huge_pages(start: usize, len: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    let first = start.next_multiple_of(HUGE_PAGE);
    let last = (start + len) / HUGE_PAGE * HUGE_PAGE;
    if first < last {
        // SAFETY: `madvise` with MADV_HUGEPAGE changes how the kernel backs
        // these pages, never what they hold, and the range lies inside an
        // allocation of ours. A refusal (an error result) leaves ordinary
        // pages, which is fine: it is ignored.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}
