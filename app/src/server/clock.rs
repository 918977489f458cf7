//! The time the rules that read "now" go by: the system's, or, in tests, one held still and
//! moved by hand, so a boundary ("not in 30 days", an undo window) can be crossed by a
//! millisecond instead of waited for. It lives in [`Settings`](super::state::Settings), so each
//! test's server has its own.

use super::ids::now_ms;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock (the default).
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that reads `at_ms` until it is [`set`](Clock::set).
    pub fn fixed(at_ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(at_ms))))
    }

    /// Milliseconds since the Unix epoch, UTC.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(held) => held.load(Ordering::Relaxed),
            None => now_ms(),
        }
    }

    /// Moves a fixed clock (every copy of it) to `at_ms`; the system's cannot be moved.
    pub fn set(&self, at_ms: i64) {
        if let Some(held) = &self.0 {
            held.store(at_ms, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_holds_still_until_set_and_its_copies_follow() {
        let clock = Clock::fixed(1_000);
        let copy = clock.clone();
        assert_eq!(copy.now_ms(), 1_000);
        clock.set(2_000);
        assert_eq!(copy.now_ms(), 2_000);
        let system = Clock::system();
        system.set(5);
        assert!(system.now_ms() > 1_700_000_000_000, "the system's clock is not moved");
    }
}
