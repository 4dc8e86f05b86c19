//! The programs' memory allocator: large arrays in 2 MB pages, and a large
//! block kept for the next allocation of its size.
//!
//! The book's `gradient_descent` copies the data set into its shuffled order
//! every epoch, as the blog's NumPy code does: 79 MB allocated, filled, and
//! freed again. Left to the system allocator, every epoch the kernel hands
//! that memory out afresh in 4 KB pages, each one a page fault and a page of
//! zeros to write: about half the epoch. NumPy asks Linux for 2 MB pages for
//! its arrays of 4 MB or more (`madvise(MADV_HUGEPAGE)`); this allocator does
//! the same, and keeps the last large block that was freed, so that the next
//! epoch's copy, of the same size, reuses memory that is already mapped.
//! Nothing changes what any program computes.
//!
//! Only blocks of 32 MB or more are kept once freed: a data set's copy is, the
//! programs' other arrays are not, so the memory kept is never more than what
//! the program already needed at its peak. Allocations below 4 MB, and all of
//! them elsewhere than on Linux, go to the system allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};

/// The allocator every program of the crate runs with.
#[global_allocator]
static ALLOCATOR: LargePages = LargePages;

/// Large blocks in 2 MB pages, the last one freed kept for reuse.
#[derive(Debug, Clone, Copy)]
pub struct LargePages;

// ANCHOR: large_pages
/// From this size on, a block is large: NumPy's threshold for 2 MB pages.
pub const LARGE: usize = 4 << 20;
/// The size of a large memory page.
pub const HUGE_PAGE: usize = 2 << 20;
/// A freed block this large is kept for the next allocation of its size.
pub const KEPT: usize = 32 << 20;
// ANCHOR_END: large_pages

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::Mutex;

    use super::{HUGE_PAGE, KEPT};

    /// The last large block freed, as (address, length), kept mapped.
    static KEPT_BLOCK: Mutex<Option<(usize, usize)>> = Mutex::new(None);

    /// `size` bytes rounded up to whole large pages.
    pub fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(HUGE_PAGE)
    }

    /// A block of `len` bytes (a multiple of [`HUGE_PAGE`]) aligned to a
    /// large page, and whether it is the kept one (with old values in it):
    /// the kept one if it has that length, else a new mapping, all zeros,
    /// that Linux is asked to back with 2 MB pages. Null if none can be had.
    pub fn map(len: usize) -> (*mut u8, bool) {
        if let Ok(mut kept) = KEPT_BLOCK.lock() {
            match kept.take() {
                Some((address, kept_len)) if kept_len == len => {
                    return (address as *mut u8, true);
                }
                Some(block) => unmap(block),
                None => {}
            }
        }
        // SAFETY: an anonymous private mapping touches no existing memory;
        // its result is checked before use.
        let start = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            return (std::ptr::null_mut(), false);
        }
        // Keep the aligned `len` bytes of the mapping, return the rest.
        let (start, end) = (start as usize, start as usize + len + HUGE_PAGE);
        let aligned = start.next_multiple_of(HUGE_PAGE);
        for (from, to) in [(start, aligned), (aligned + len, end)] {
            if to > from {
                unmap((from, to - from));
            }
        }
        // SAFETY: the range is the mapping just made; a refusal leaves 4 KB
        // pages, which is fine, so the result is ignored.
        unsafe {
            libc::madvise(
                aligned as *mut libc::c_void,
                len,
                libc::MADV_HUGEPAGE,
            );
        }
        (aligned as *mut u8, false)
    }

    /// Returns the block at `address` of `len` bytes from [`map`]: kept
    /// for the next allocation of its length if it is large enough, in
    /// place of the one kept before.
    pub fn release(address: *mut u8, len: usize) {
        let block = (address as usize, len);
        if len >= KEPT {
            if let Ok(mut kept) = KEPT_BLOCK.lock() {
                if let Some(old) = kept.replace(block) {
                    unmap(old);
                }
                return;
            }
        }
        unmap(block);
    }

    /// The block at `address` of `old_len` bytes from [`map`] grown or
    /// shrunk to `new_len` in place or moved by the kernel, without a copy
    /// and without both blocks mapped at once: what a growing vector needs
    /// near a memory limit. Null if it cannot be had; the block is then
    /// unchanged.
    pub fn remap(address: *mut u8, old_len: usize, new_len: usize) -> *mut u8 {
        if old_len == new_len {
            return address;
        }
        // SAFETY: the block is a mapping of ours, of `old_len` bytes, that
        // the caller gives up; on failure it is left as it was.
        let moved = unsafe {
            libc::mremap(address.cast(), old_len, new_len, libc::MREMAP_MAYMOVE)
        };
        if moved == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `map`: a hint about our own mapping.
        unsafe { libc::madvise(moved, new_len, libc::MADV_HUGEPAGE) };
        moved.cast()
    }

    fn unmap((address, len): (usize, usize)) {
        // SAFETY: every range passed here is a part of a mapping of ours
        // that nothing uses any more.
        unsafe {
            libc::munmap(address as *mut libc::c_void, len);
        }
    }
}

/// Whether `layout` is served by large pages.
fn is_large(layout: Layout) -> bool {
    cfg!(target_os = "linux")
        && layout.size() >= LARGE
        && layout.align() <= HUGE_PAGE
}

// SAFETY: large blocks are fresh mappings (or a kept one) of at least the
// size asked for, aligned to 2 MB, used by one allocation at a time and
// unmapped or kept only once freed; everything else is the system's.
unsafe impl GlobalAlloc for LargePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_large(layout) {
            return linux::map(linux::mapped_len(layout.size())).0;
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(target_os = "linux")]
        if is_large(layout) {
            let (block, reused) = linux::map(linux::mapped_len(layout.size()));
            if reused {
                // A fresh mapping is all zeros already; a kept block is not.
                // SAFETY: the block holds at least `layout.size()` bytes.
                unsafe { block.write_bytes(0, layout.size()) };
            }
            return block;
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(target_os = "linux")]
        if is_large(layout) {
            return linux::release(ptr, linux::mapped_len(layout.size()));
        }
        // SAFETY: `ptr` came from the system allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        // SAFETY: the caller's contract: `new_size` with `layout`'s alignment
        // is a valid layout.
        let new_layout = unsafe {
            Layout::from_size_align_unchecked(new_size, layout.align())
        };
        if !is_large(layout) && !is_large(new_layout) {
            // SAFETY: both blocks are the system allocator's.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // A large block that stays large is remapped; the kernel keeps it
        // aligned to its 4 KB pages, which is all most layouts ask for.
        #[cfg(target_os = "linux")]
        if is_large(layout) && is_large(new_layout) && layout.align() <= 4096 {
            let old_len = linux::mapped_len(layout.size());
            return linux::remap(ptr, old_len, linux::mapped_len(new_size));
        }
        // SAFETY: a new block, the old one's bytes copied, the old one freed.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(
                    ptr,
                    new,
                    layout.size().min(new_size),
                );
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_hold_what_is_written_and_are_reused() {
        for len in [LARGE, KEPT + 123, 3 * KEPT] {
            let mut values: Vec<u64> = Vec::with_capacity(len / 8);
            values.extend(0..(len / 8) as u64);
            assert_eq!(values.as_ptr() as usize % HUGE_PAGE, 0);
            assert!(values.iter().enumerate().all(|(i, &v)| v == i as u64));
            let address = values.as_ptr() as usize;
            drop(values);
            let zeros = vec![0u64; len / 8];
            assert!(zeros.iter().all(|&v| v == 0), "a reused block is zeroed");
            if len >= KEPT {
                assert_eq!(zeros.as_ptr() as usize, address, "the kept block");
            }
        }
        // A large vector that grows is remapped, its values kept.
        let mut growing: Vec<u32> = Vec::with_capacity(LARGE / 4);
        growing.extend(0..(3 * KEPT / 4) as u32);
        assert!(growing.iter().enumerate().all(|(i, &v)| v == i as u32));
        // Small ones are the system's, with any alignment asked for.
        let small: Vec<u8> = vec![7; 1000];
        assert!(small.iter().all(|&v| v == 7));
    }
}
