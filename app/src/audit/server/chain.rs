//! The hash chain that makes an organization's audit trail tamper-evident. Each event stores
//! the SHA-256 of its content together with the previous event's hash; changing, removing or
//! inserting an event breaks every link after it, and verification names the first break.
//! What it can and cannot show is in docs/security.md ("The audit trail").

use sha2::{Digest, Sha256};
use sqlx::FromRow;

/// An event as stored, and as the chain hashes it. `seq`, `prev_hash` and `hash` are its place in the organization's
/// chain (see `chain`); events written before the chain existed have no hashes.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EventRow {
    pub id: String,
    pub org_id: String,
    pub seq: i64,
    /// `person`, `cli` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    /// The person's email, or the command that acted.
    pub actor_email: String,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub target_label: String,
    /// What changed, a JSON object, hashed exactly as stored.
    pub details: String,
    pub ip_address: Option<String>,
    pub device: Option<String>,
    pub created_at: i64,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}


/// An organization's chain head as stored: the last event's place and hash, where the chain
/// began, and how far retention has pruned it.
#[derive(Debug, Clone, FromRow)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    pub sealed_from: i64,
    pub pruned_to: i64,
    pub pruned_hash: String,
}

/// The hash of `row`'s content linked to `prev` (the previous event's hash, or the empty text
/// at the start of the chain): SHA-256 of the fields, in a fixed order, as a JSON array (no
/// field can run into the next), in lower-case hex.
pub fn link_hash(row: &EventRow, prev: &str) -> String {
    let content = serde_json::json!([
        row.seq,
        row.id,
        row.org_id,
        row.actor_kind,
        row.actor_id,
        row.actor_email,
        row.actor_name,
        row.action,
        row.target_type,
        row.target_id,
        row.target_label,
        row.details,
        row.ip_address,
        row.device,
        row.created_at,
        prev,
    ]);
    Sha256::digest(content.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Every link holds: this many chained events, and the head's hash (keep it somewhere
    /// else: it is what a rewrite of the whole chain would change).
    Intact { events: u64, head: String },
    /// The first place where it does not, and what is wrong there.
    Broken { seq: i64, problem: String },
}

/// Checks events in chain order, one batch at a time, against the head they end at.
pub struct Verifier {
    head: ChainHead,
    /// The place the next event must have, and the hash it must link to.
    expected: i64,
    prev: String,
    pub events: u64,
    /// Events before the chain began (written before it existed): counted, not checked.
    pub unsealed: u64,
    broken: Option<(i64, String)>,
}

impl Verifier {
    pub fn new(head: ChainHead) -> Verifier {
        // Retention may have pruned the start: the chain then continues from the last pruned
        // event's hash, which the head kept.
        let (expected, prev) =
            if head.pruned_to >= head.sealed_from { (head.pruned_to + 1, head.pruned_hash.clone()) } else { (head.sealed_from, String::new()) };
        Verifier { head, expected, prev, events: 0, unsealed: 0, broken: None }
    }

    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Checks the next events, in order; stops at the first break.
    pub fn check(&mut self, rows: &[EventRow]) {
        for row in rows {
            if self.broken.is_some() {
                return;
            }
            if row.seq < self.head.sealed_from {
                self.unsealed += 1;
                self.expected = self.expected.max(row.seq + 1);
                continue;
            }
            if row.seq > self.expected {
                let missing = if row.seq == self.expected + 1 { format!("event {} is missing", self.expected) } else { format!("events {} to {} are missing", self.expected, row.seq - 1) };
                self.broken = Some((self.expected, format!("{missing} (removed)")));
                return;
            }
            if row.prev_hash.as_deref() != Some(self.prev.as_str()) {
                self.broken = Some((row.seq, "it does not link to the event before it (that one was changed, removed or inserted)".into()));
                return;
            }
            let hash = link_hash(row, &self.prev);
            if row.hash.as_deref() != Some(hash.as_str()) {
                self.broken = Some((row.seq, "its content was changed after it was written".into()));
                return;
            }
            self.prev = hash;
            self.expected = row.seq + 1;
            self.events += 1;
        }
    }

    /// The finding, once every event has been checked.
    pub fn finish(self) -> Finding {
        if let Some((seq, problem)) = self.broken {
            return Finding::Broken { seq, problem };
        }
        let last = self.expected - 1;
        if last < self.head.seq {
            let problem = if last + 1 == self.head.seq { format!("event {} is missing (removed)", self.head.seq) } else { format!("events {} to {} are missing (removed)", last + 1, self.head.seq) };
            return Finding::Broken { seq: last + 1, problem };
        }
        if last > self.head.seq || (self.events > 0 && self.prev != self.head.hash) {
            return Finding::Broken { seq: last, problem: "the chain's head does not name its last event (events were added around it)".into() };
        }
        Finding::Intact { events: self.events, head: self.prev }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64) -> EventRow {
        EventRow {
            id: format!("e{seq}"),
            org_id: "o".into(),
            seq,
            actor_kind: "person".into(),
            actor_id: Some("u".into()),
            actor_email: "ada@example.com".into(),
            actor_name: "Ada".into(),
            action: "user.deactivated".into(),
            target_type: "user".into(),
            target_id: Some("t".into()),
            target_label: "alan@example.com".into(),
            details: "{}".into(),
            ip_address: None,
            device: None,
            created_at: seq * 1000,
            prev_hash: None,
            hash: None,
        }
    }

    /// A chain of `n` events, linked.
    fn chain(n: i64) -> (Vec<EventRow>, ChainHead) {
        let mut prev = String::new();
        let rows: Vec<EventRow> = (1..=n)
            .map(|seq| {
                let mut row = event(seq);
                row.prev_hash = Some(prev.clone());
                let hash = link_hash(&row, &prev);
                row.hash = Some(hash.clone());
                prev = hash;
                row
            })
            .collect();
        (rows, ChainHead { seq: n, hash: prev, sealed_from: 1, pruned_to: 0, pruned_hash: String::new() })
    }

    fn verify(rows: &[EventRow], head: ChainHead) -> Finding {
        let mut v = Verifier::new(head);
        for batch in rows.chunks(3) {
            v.check(batch);
        }
        v.finish()
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let (rows, head) = chain(10);
        assert!(matches!(verify(&rows, head), Finding::Intact { events: 10, .. }));
    }

    #[test]
    fn a_changed_event_is_named() {
        let (mut rows, head) = chain(10);
        rows[4].target_label = "someone-else@example.com".into();
        assert_eq!(verify(&rows, head), Finding::Broken { seq: 5, problem: "its content was changed after it was written".into() });
    }

    #[test]
    fn a_changed_event_whose_hash_was_recomputed_breaks_the_next_link() {
        let (mut rows, head) = chain(10);
        rows[4].action = "user.activated".into();
        let prev = rows[3].hash.clone().unwrap();
        rows[4].hash = Some(link_hash(&rows[4], &prev));
        assert!(matches!(verify(&rows, head), Finding::Broken { seq: 6, .. }));
    }

    #[test]
    fn removed_events_are_named_in_the_middle_and_at_the_end() {
        let (mut rows, head) = chain(10);
        rows.remove(6);
        assert_eq!(verify(&rows, head.clone()), Finding::Broken { seq: 7, problem: "event 7 is missing (removed)".into() });
        let (mut rows, head) = chain(10);
        rows.truncate(8);
        assert_eq!(verify(&rows, head), Finding::Broken { seq: 9, problem: "events 9 to 10 are missing (removed)".into() });
    }

    #[test]
    fn an_inserted_event_breaks_the_chain() {
        let (mut rows, head) = chain(10);
        // Renumbered to make room: its own hash is right, the next one no longer links.
        let mut forged = event(5);
        forged.id = "forged".into();
        forged.prev_hash = rows[3].hash.clone();
        forged.hash = Some(link_hash(&forged, rows[3].hash.as_deref().unwrap()));
        for row in rows.iter_mut().skip(4) {
            row.seq += 1;
        }
        rows.insert(4, forged);
        assert!(matches!(verify(&rows, head), Finding::Broken { seq: 6, .. }));
    }

    #[test]
    fn a_pruned_start_and_events_from_before_the_chain_still_verify() {
        let (rows, head) = chain(10);
        let pruned = ChainHead { pruned_to: 4, pruned_hash: rows[3].hash.clone().unwrap(), ..head.clone() };
        assert!(matches!(verify(&rows[4..], pruned), Finding::Intact { events: 6, .. }));
        // Three events from before the chain existed, unhashed, then the chain from 4.
        let mut old: Vec<EventRow> = (1..=3).map(event).collect();
        let mut prev = String::new();
        for seq in 4..=6 {
            let mut row = event(seq);
            row.prev_hash = Some(prev.clone());
            prev = link_hash(&row, &prev);
            row.hash = Some(prev.clone());
            old.push(row);
        }
        let head = ChainHead { seq: 6, hash: prev, sealed_from: 4, pruned_to: 0, pruned_hash: String::new() };
        let mut v = Verifier::new(head);
        v.check(&old);
        assert_eq!(v.unsealed, 3);
        assert!(matches!(v.finish(), Finding::Intact { events: 3, .. }));
    }
}
