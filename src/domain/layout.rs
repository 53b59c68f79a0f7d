//! Layout generations of the stored records.
//!
//! Records are bincode, which has no field evolution: a type that gains a
//! field is written in a new layout, and every older layout stays readable
//! (and re-encodes to the same bytes, so old audit entries hash as they
//! did). The store reads and writes each record and audit entry inside
//! [`with_layout`] with the generation its version says; types whose layout
//! changed pick their fields by [`layout`]. Everything else (new records,
//! JSON, presets) uses [`CURRENT`].
//!
//! - 1: the first layout.
//! - 2: authorization kinds carry the bases they require, whether their
//!   scope must name aircraft types and whether changes need a reason.
//! - 3: the organisation has a time zone, the day every expiry is counted
//!   in, and policies (a role required; deactivated users reading their
//!   own records); a role carries the roles its holders may assign and
//!   whether its holders need an email.

use std::cell::Cell;

/// The generation written today.
pub const CURRENT: u16 = 3;

thread_local! {
    static LAYOUT: Cell<u16> = const { Cell::new(CURRENT) };
}

/// The generation records are being read or written in on this thread.
pub fn layout() -> u16 {
    LAYOUT.with(Cell::get)
}

/// Runs `f` with records read and written in layout generation `generation`.
pub fn with_layout<R>(generation: u16, f: impl FnOnce() -> R) -> R {
    struct Reset(u16);
    impl Drop for Reset {
        fn drop(&mut self) {
            LAYOUT.with(|l| l.set(self.0));
        }
    }
    let _reset = Reset(LAYOUT.with(|l| l.replace(generation)));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generation_is_restored_after_the_call_even_on_a_panic() {
        assert_eq!(layout(), CURRENT);
        assert_eq!(with_layout(1, || with_layout(2, layout)), 2);
        assert_eq!(layout(), CURRENT);
        let r = std::panic::catch_unwind(|| with_layout(1, || panic!("x")));
        assert!(r.is_err());
        assert_eq!(layout(), CURRENT);
    }
}
