//! A fixed-window counter per key (an IP address, say): after `limit` hits in `window_ms` the key
//! is refused until its window ends. Kept in this process's memory: with several processes each
//! counts alone, which is fine for what it guards (sign-in attempts and invitation links per
//! address only have to be made slow and noisy; the per-account lockout, which must hold
//! across processes, lives in the database); the README says so. Behind a proxy, list it in
//! `ROSTER_TRUSTED_PROXIES`, or every client shares the proxy's address and counts for all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Keys remembered at most; past it, ended windows are forgotten first, then all.
const REMEMBERED: usize = 10_000;

#[derive(Clone, Debug)]
pub struct Throttle {
    limit: u32,
    window_ms: i64,
    hits: Arc<Mutex<HashMap<String, (i64, u32)>>>,
}

impl Throttle {
    pub fn new(limit: u32, window_ms: i64) -> Throttle {
        Throttle { limit, window_ms, hits: Arc::default() }
    }

    /// Whether `key` has used up its hits for now.
    pub fn is_blocked(&self, key: &str, now: i64) -> bool {
        let Ok(hits) = self.hits.lock() else { return false };
        hits.get(key).is_some_and(|(start, count)| now - start < self.window_ms && *count >= self.limit)
    }

    /// Counts a hit for `key`, unless it has used up its hits: then nothing is counted and the
    /// answer is how many milliseconds remain of its window.
    pub fn try_hit(&self, key: &str, now: i64) -> Result<(), i64> {
        let Ok(mut hits) = self.hits.lock() else { return Ok(()) };
        if let Some((start, count)) = hits.get(key) {
            let remaining = self.window_ms - (now - start);
            if remaining > 0 && *count >= self.limit {
                return Err(remaining);
            }
        }
        self.count(&mut hits, key, now);
        Ok(())
    }

    /// Counts a hit for `key`.
    pub fn hit(&self, key: &str, now: i64) {
        let Ok(mut hits) = self.hits.lock() else { return };
        self.count(&mut hits, key, now);
    }

    fn count(&self, hits: &mut HashMap<String, (i64, u32)>, key: &str, now: i64) {
        if hits.len() >= REMEMBERED {
            hits.retain(|_, (start, _)| now - *start < self.window_ms);
            // Still full within one window (a flood from many addresses): forget them all
            // rather than grow without bound; the limit only slows guessing down.
            if hits.len() >= REMEMBERED {
                hits.clear();
            }
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now - entry.0 >= self.window_ms {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_blocked_after_the_limit_until_its_window_ends() {
        let throttle = Throttle::new(3, 1_000);
        for _ in 0..3 {
            assert!(!throttle.is_blocked("a", 10));
            throttle.hit("a", 10);
        }
        assert!(throttle.is_blocked("a", 10));
        assert!(!throttle.is_blocked("b", 10));
        assert!(!throttle.is_blocked("a", 1_010));
        throttle.hit("a", 1_010);
        assert!(!throttle.is_blocked("a", 1_010), "a new window");
    }

    #[test]
    fn try_hit_refuses_past_the_limit_and_says_for_how_long() {
        let throttle = Throttle::new(2, 1_000);
        assert_eq!(throttle.try_hit("a", 100), Ok(()));
        assert_eq!(throttle.try_hit("a", 200), Ok(()));
        assert_eq!(throttle.try_hit("a", 300), Err(800));
        assert_eq!(throttle.try_hit("a", 1_099), Err(1));
        assert_eq!(throttle.try_hit("b", 300), Ok(()));
        assert_eq!(throttle.try_hit("a", 1_100), Ok(()), "a new window");
    }
}
