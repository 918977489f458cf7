//! A fixed-window counter per key (an IP address, say): after `limit` hits in `window_ms` the key
//! is refused until its window ends. Kept in this process's memory: with several processes each
//! counts alone, which is fine for what it guards (sign-in attempts and invitation links per
//! address only have to be made slow and noisy; the per-account lockout, which must hold
//! across processes, lives in the database); the README says so. Behind a proxy, list it in
//! `ROSTER_TRUSTED_PROXIES`, or every client shares the proxy's address and counts for all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Keys remembered at most; past it, ended windows are forgotten first, then the oldest keys
/// that are not blocked.
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
        if !hits.contains_key(key) && hits.len() >= REMEMBERED && !self.make_room(hits, now) {
            // Every remembered key is blocked in its window: they stay blocked, and this one
            // goes uncounted until one of theirs ends.
            return;
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now - entry.0 >= self.window_ms {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// Forgets ended windows, then, if still full (a flood from many addresses), the oldest
    /// keys that are not blocked, down to nine tenths; never a key still blocked, so rotating
    /// through fresh addresses cannot set a blocked one free. Whether there is room now.
    fn make_room(&self, hits: &mut HashMap<String, (i64, u32)>, now: i64) -> bool {
        hits.retain(|_, (start, _)| now - *start < self.window_ms);
        let target = REMEMBERED * 9 / 10;
        if hits.len() > target {
            let mut unblocked: Vec<(i64, String)> =
                hits.iter().filter(|(_, (_, count))| *count < self.limit).map(|(k, (start, _))| (*start, k.clone())).collect();
            unblocked.sort_unstable();
            let excess = hits.len() - target;
            for (_, key) in unblocked.into_iter().take(excess) {
                hits.remove(&key);
            }
        }
        hits.len() < REMEMBERED
    }
}

/// Keys with work in flight in this process (a link being accepted): of two requests for one
/// key at once, the second is told so instead of doing the same costly work again.
#[derive(Clone, Debug, Default)]
pub struct InFlight {
    keys: Arc<Mutex<std::collections::HashSet<String>>>,
}

/// Holds a key in flight; dropping it (the request ended, however) lets the key go.
pub struct Claim {
    keys: Arc<Mutex<std::collections::HashSet<String>>>,
    key: String,
}

impl InFlight {
    /// A claim on `key`, or `None` while another request holds one.
    pub fn claim(&self, key: &str) -> Option<Claim> {
        let mut keys = self.keys.lock().ok()?;
        keys.insert(key.to_owned()).then(|| Claim { keys: Arc::clone(&self.keys), key: key.to_owned() })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.remove(&self.key);
        }
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

    #[test]
    fn a_key_is_claimed_once_at_a_time() {
        let in_flight = InFlight::default();
        let first = in_flight.claim("link");
        assert!(first.is_some());
        assert!(in_flight.claim("link").is_none(), "held");
        assert!(in_flight.claim("other").is_some());
        drop(first);
        assert!(in_flight.claim("link").is_some(), "released when the first request ends");
    }

    #[test]
    fn a_flood_of_fresh_addresses_never_sets_a_blocked_one_free() {
        let throttle = Throttle::new(2, 60_000);
        throttle.hit("blocked", 0);
        throttle.hit("blocked", 0);
        assert!(throttle.is_blocked("blocked", 1));
        // Ten thousand and more fresh addresses within the same window.
        for i in 0..(REMEMBERED * 3) {
            throttle.hit(&format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255), 1 + i as i64);
        }
        assert!(throttle.is_blocked("blocked", 50_000), "still blocked");
        let remembered = throttle.hits.lock().map(|h| h.len()).unwrap_or(0);
        assert!(remembered <= REMEMBERED, "bounded: {remembered}");
        // The newest addresses are the ones remembered: the last one counts.
        let last = REMEMBERED * 3 - 1;
        let key = format!("10.{}.{}.{}", last >> 16, (last >> 8) & 255, last & 255);
        throttle.hit(&key, 40_000);
        assert!(throttle.is_blocked(&key, 40_001));
    }

    #[test]
    fn when_every_remembered_key_is_blocked_they_stay_blocked() {
        let throttle = Throttle::new(1, 60_000);
        for i in 0..REMEMBERED {
            throttle.hit(&format!("k{i}"), 0);
        }
        throttle.hit("newcomer", 1);
        assert!((0..REMEMBERED).all(|i| throttle.is_blocked(&format!("k{i}"), 2)));
        // After their window, room again.
        throttle.hit("newcomer", 60_001);
        assert!(throttle.is_blocked("newcomer", 60_002));
    }
}
