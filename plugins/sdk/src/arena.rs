//! The allocator of a rule module (wasm32 only): a bump arena.
//!
//! Every call runs in a fresh instance that is thrown away afterwards, so nothing needs freeing:
//! allocations bump a pointer through a 128 KiB zeroed static (part of the module's initial
//! memory: one decision fits, so a single decision never grows memory), then through pages from
//! `memory.grow` (a batch grows a few times, which is cheap next to 256 evaluations). The static is
//! kept small because the host scans a slot's whole memory for dirty pages after every instance:
//! with 1 MiB, one decision in fresh sandboxes cost ~5 % more. Freeing the latest allocation, or
//! growing it, works in place.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

const ARENA_BYTES: usize = 128 << 10;
const PAGE: usize = 64 << 10;

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; ARENA_BYTES]>);

// SAFETY: a wasm32 module instance runs one call at a time on one thread.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; ARENA_BYTES]));

/// The free region: [next, end).
struct Cursor(UnsafeCell<(usize, usize)>);

// SAFETY: as above, one thread.
unsafe impl Sync for Cursor {}

static CURSOR: Cursor = Cursor(UnsafeCell::new((0, 0)));

pub struct BumpArena;

impl BumpArena {
    /// The region, set to the static arena on first use.
    unsafe fn region(&self) -> &mut (usize, usize) {
        let r = &mut *CURSOR.0.get();
        if r.1 == 0 {
            let start = ARENA.0.get() as usize;
            *r = (start, start + ARENA_BYTES);
        }
        r
    }
}

unsafe impl GlobalAlloc for BumpArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let r = self.region();
        let at = (r.0 + layout.align() - 1) & !(layout.align() - 1);
        if at + layout.size() <= r.1 {
            r.0 = at + layout.size();
            return at as *mut u8;
        }
        // Out of room: continue in fresh pages (the rest of the old region is abandoned).
        let bytes = (layout.size() + layout.align()).max(ARENA_BYTES);
        let pages = bytes.div_ceil(PAGE);
        let old = core::arch::wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return core::ptr::null_mut();
        }
        let start = old * PAGE;
        let at = (start + layout.align() - 1) & !(layout.align() - 1);
        *r = (at + layout.size(), start + pages * PAGE);
        at as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let r = self.region();
        if ptr as usize + layout.size() == r.0 {
            r.0 = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let r = self.region();
        if ptr as usize + layout.size() == r.0 && ptr as usize + new_size <= r.1 {
            r.0 = ptr as usize + new_size;
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size());
        }
        new
    }
}
