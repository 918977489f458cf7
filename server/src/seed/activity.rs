//! `--sessions N` and `--attempts N`: the traces of the organization's seeded people, for
//! the Sessions and Login Attempts pages at scale.
//!
//! **Sessions** belong to people who can sign in, with last activity over the past 30 days
//! (the default retention of ended sessions): a fifth within the idle timeout of now, of which
//! three in four are still live; the rest ended as they do (signed out, replaced by a new
//! sign-in, revoked, timed out, or ended when the person was deactivated). Browsers and
//! systems from a short list of common ones; each person signs in from an address of their
//! own, or from one of a few office addresses.
//!
//! **Login attempts** are spread evenly over the past 90 days (the default retention), oldest
//! first: most succeed; the failures carry the reasons sign-in records (wrong passwords,
//! deactivated and pending accounts, unknown emails, identifiers that are not emails, stored
//! masked), and a handful of attacking addresses send 2 % of all attempts, wrong passwords
//! for real accounts and made-up ones, some of them locked out or throttled.
//!
//! Seeded sessions can never be used: their token hashes are not hashes of any token.

use super::bulk::{self, Derived, ROWS_PER_STATEMENT};
use app::login_attempts::types::{loggable_identifier, FailureReason};
use app::server::db::{Db, Tx};
use app::server::ids::key;
use app::server::sql::{Param, Sql};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The defaults of `ROSTER_SESSION_IDLE` and `ROSTER_SESSION_ABSOLUTE`.
const IDLE_MS: i64 = 8 * HOUR_MS;
const ABSOLUTE_MS: i64 = 7 * DAY_MS;
const BROWSERS: &[(&str, &str)] = &[
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18.1 on Mac OS X"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Mac OS X"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Mobile Safari 18.1 on iOS"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome Mobile 131 on Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge 131 on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"),
];
/// Offices: a quarter of all sign-ins come from one of these.
const OFFICES: u32 = 40;
/// Attackers: 2 % of all attempts come from one of these.
const ATTACKERS: &[&str] = &["198.51.100.7", "198.51.100.23", "198.51.100.42", "198.51.100.99"];

/// One of the organization's people, as their traces need them.
struct Person {
    id: String,
    email: String,
    /// The user's keys, which their sessions carry copies of (for the Sessions search).
    name_key: String,
    email_key: String,
    status: Status,
    /// The address they sign in from when not at an office.
    home_ip: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Status {
    Active,
    Inactive,
    Pending,
}

/// What the load writes: how many sessions and attempts, and how the ids of this run start.
pub struct Activity<'a> {
    pub org_id: &'a str,
    /// Tells this organization's seeded rows from another's (see `people::seed_user`).
    pub run: &'a str,
    pub sessions: u64,
    pub attempts: u64,
    pub seed: u64,
    pub now: i64,
    /// Drop and rebuild the secondary indexes of a table given at least this many rows.
    pub bulk_from: u64,
}

impl Activity<'_> {
    /// Writes the sessions, then the attempts, each kind in one transaction, all or nothing.
    pub async fn load(&self, db: &Db) -> Result<String, String> {
        let people = self.people(db).await.map_err(|e| e.to_string())?;
        if people.iter().all(|p| p.status == Status::Pending) {
            return Err("The organization has nobody who could have signed in: seed users first (--users N).".into());
        }
        let mut done = Vec::new();
        if self.sessions > 0 {
            let started = Instant::now();
            self.load_sessions(db, &people).await.map_err(|e| format!("No sessions were seeded: {e}"))?;
            done.push(format!("{} sessions in {:.1?}", self.sessions, started.elapsed()));
        }
        if self.attempts > 0 {
            let started = Instant::now();
            self.load_attempts(db, &people).await.map_err(|e| format!("No login attempts were seeded: {e}"))?;
            done.push(format!("{} login attempts in {:.1?}", self.attempts, started.elapsed()));
        }
        bulk::settle(db, &["sessions", "login_attempts"]).await.map_err(|e| e.to_string())?;
        Ok(format!("Seeded {}.", done.join(" and ")))
    }

    async fn people(&self, db: &Db) -> Result<Vec<Person>, sqlx::Error> {
        let sql = Sql::new("SELECT id, email, status, name_key, email_key FROM users WHERE org_id = $1 ORDER BY id").bind(self.org_id);
        let rows: Vec<(String, String, String, String, String)> = db.exec().fetch_all(sql).await?;
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, (id, email, status, name_key, email_key))| {
                // A scatter of the 10.0.0.0/8 block: most people get an address of their own.
                let h = (i as u32).wrapping_mul(2_654_435_761) >> 8;
                Person {
                    id,
                    email,
                    name_key,
                    email_key,
                    status: match status.as_str() {
                        "active" => Status::Active,
                        "inactive" => Status::Inactive,
                        _ => Status::Pending,
                    },
                    home_ip: format!("10.{}.{}.{}", (h >> 16) & 255, (h >> 8) & 255, h & 255),
                }
            })
            .collect())
    }

    /// How many rows of `table` this organization has: numbering continues across runs.
    async fn existing(&self, tx: &mut Tx, table: &str) -> Result<u64, sqlx::Error> {
        let sql = Sql::new(format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1")).bind(self.org_id);
        let n: i64 = tx.exec().scalar(sql).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn load_sessions(&self, db: &Db, people: &[Person]) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let first = self.existing(&mut tx, "sessions").await?;
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0x5e55_1045 ^ first);
        let signers: Vec<&Person> = people.iter().filter(|p| p.status != Status::Pending).collect();
        let mut rows: Vec<SessionRow> = (first..first + self.sessions).map(|n| self.session(&mut rng, n, &signers)).collect();
        // In order of last activity, so that the list's index is written from one end.
        rows.sort_by_key(|s| s.last_active_at);
        let derived = self.derive(&mut tx, db, "sessions", self.sessions).await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = bulk::insert(
                db.dialect(),
                "sessions (id, token_hash, user_id, org_id, ip_address, user_agent, device, created_at, last_active_at, expires_at, ended_at, end_reason, name_key, email_key)",
                chunk.iter().map(|s| {
                    [
                        Param::from(&s.id),
                        Param::from(&s.id),
                        Param::from(s.person.id.as_str()),
                        Param::from(self.org_id),
                        Param::from(s.ip_address.as_str()),
                        Param::from(s.browser.0),
                        Param::from(s.browser.1),
                        Param::from(s.created_at),
                        Param::from(s.last_active_at),
                        Param::from(s.created_at + ABSOLUTE_MS),
                        Param::from(s.ended_at),
                        Param::from(s.end_reason),
                        Param::from(s.person.name_key.as_str()),
                        Param::from(s.person.email_key.as_str()),
                    ]
                }),
            );
            tx.exec().execute(sql).await?;
        }
        if let Some(derived) = derived {
            derived.rebuild(&mut tx).await?;
        }
        tx.commit().await
    }

    fn session<'p>(&self, rng: &mut StdRng, n: u64, signers: &[&'p Person]) -> SessionRow<'p> {
        let person = signers[rng.gen_range(0..signers.len())];
        let recent = rng.gen_bool(0.2);
        let last_active_at = if recent {
            self.now - rng.gen_range(0..IDLE_MS)
        } else {
            self.now - rng.gen_range(IDLE_MS..30 * DAY_MS)
        };
        let created_at = last_active_at - rng.gen_range(0..ABSOLUTE_MS - IDLE_MS);
        let (ended_at, end_reason) = if person.status == Status::Inactive {
            // Deactivated some time after their last click, and before now.
            let since = (self.now - last_active_at).clamp(1, IDLE_MS);
            (Some(last_active_at + rng.gen_range(0..since)), Some("deactivated"))
        } else if (recent && rng.gen_bool(0.75)) || (!recent && rng.gen_bool(0.6)) {
            (None, None) // live, or timed out with nobody ending it
        } else {
            let reason = match rng.gen_range(0..20) {
                0..=11 => "signed_out",
                12..=16 => "replaced",
                _ => "revoked",
            };
            (Some(last_active_at + rng.gen_range(0..60_000)), Some(reason))
        };
        SessionRow {
            id: format!("seed-{}-s{n:09}", self.run),
            person,
            ip_address: if rng.gen_bool(0.25) { office(rng) } else { person.home_ip.clone() },
            browser: BROWSERS[rng.gen_range(0..BROWSERS.len())],
            created_at,
            last_active_at,
            ended_at: ended_at.map(|at| at.min(self.now)),
            end_reason,
        }
    }

    async fn load_attempts(&self, db: &Db, people: &[Person]) -> Result<(), sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let first = self.existing(&mut tx, "login_attempts").await?;
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0xa77e_3975 ^ first);
        let derived = self.derive(&mut tx, db, "login_attempts", self.attempts).await?;
        // Evenly over 90 days, oldest first: the time-ordered indexes are written from one end.
        let span = 90 * DAY_MS;
        let step = (span / i64::try_from(self.attempts).unwrap_or(i64::MAX)).max(1);
        let started = Instant::now();
        let mut written = 0u64;
        while written < self.attempts {
            let n = (self.attempts - written).min(ROWS_PER_STATEMENT as u64);
            let rows: Vec<AttemptRow> = (written..written + n)
                .map(|i| {
                    let at = self.now - span + i64::try_from(i).unwrap_or(0) * step + rng.gen_range(0..step);
                    self.attempt(&mut rng, first + i, at, people)
                })
                .collect();
            let sql = bulk::insert(
                db.dialect(),
                "login_attempts (id, org_id, user_id, email, email_key, ip_address, user_agent, status, reason, created_at)",
                rows.into_iter().map(|a| {
                    [
                        Param::from(a.id),
                        Param::from(self.org_id),
                        Param::from(a.user_id),
                        Param::from(key(&a.email)),
                        Param::from(a.email),
                        Param::from(a.ip_address),
                        Param::from(a.user_agent),
                        Param::from(if a.failure.is_none() { "success" } else { "failed" }),
                        Param::from(a.failure.map(FailureReason::label)),
                        Param::from(a.created_at),
                    ]
                }),
            );
            tx.exec().execute(sql).await?;
            written += n;
            if written.is_multiple_of(1_000_000) || written == self.attempts {
                let rate = written as f64 / started.elapsed().as_secs_f64().max(0.001);
                println!("seeded {written:>10} / {} login attempts ({rate:.0}/s)", self.attempts);
            }
        }
        if let Some(derived) = derived {
            derived.rebuild(&mut tx).await?;
        }
        tx.commit().await
    }

    fn attempt<'p>(&self, rng: &mut StdRng, n: u64, created_at: i64, people: &'p [Person]) -> AttemptRow<'p> {
        let person = &people[rng.gen_range(0..people.len())];
        let mut ip_address = if rng.gen_bool(0.25) { office(rng) } else { person.home_ip.clone() };
        let (user_id, email, failure) = match rng.gen_range(0..1000) {
            // An attacker: wrong passwords for real accounts (some of them locked by now, some
            // attempts over the address's limit) and for made-up ones.
            0..=19 => {
                ip_address = ATTACKERS[rng.gen_range(0..ATTACKERS.len())].to_owned();
                match rng.gen_range(0..10) {
                    0..=4 => (Some(person.id.as_str()), person.email.clone(), FailureReason::WrongPassword),
                    5 => (Some(person.id.as_str()), person.email.clone(), FailureReason::AccountLocked),
                    6 => (None, person.email.clone(), FailureReason::TooManyFromAddress),
                    _ => (None, format!("admin{}@{}", rng.gen_range(0..100), domain_of(&person.email)), FailureReason::UnknownAccount),
                }
            }
            // A typo in the domain: nobody's address.
            20..=29 => (None, format!("{}@gmail.example", person.email.split('@').next().unwrap_or("someone")), FailureReason::UnknownAccount),
            // A password typed into the email field: kept masked.
            30..=32 => (None, loggable_identifier("hunter2-and-more"), FailureReason::UnknownAccount),
            roll => match person.status {
                Status::Inactive => (Some(person.id.as_str()), person.email.clone(), FailureReason::AccountDeactivated),
                Status::Pending => (Some(person.id.as_str()), person.email.clone(), FailureReason::AccountPending),
                Status::Active if roll < 110 => (Some(person.id.as_str()), person.email.clone(), FailureReason::WrongPassword),
                Status::Active => {
                    return AttemptRow {
                        id: format!("seed-{}-a{n:010}", self.run),
                        user_id: Some(&person.id),
                        email: person.email.clone(),
                        ip_address,
                        user_agent: BROWSERS[rng.gen_range(0..BROWSERS.len())].0,
                        failure: None,
                        created_at,
                    };
                }
            },
        };
        AttemptRow {
            id: format!("seed-{}-a{n:010}", self.run),
            user_id,
            email,
            ip_address,
            user_agent: BROWSERS[rng.gen_range(0..BROWSERS.len())].0,
            failure: Some(failure),
            created_at,
        }
    }

    /// Drops `table`'s secondary indexes for a load of `rows` rows when that is big enough.
    async fn derive(&self, tx: &mut Tx, db: &Db, table: &str, rows: u64) -> Result<Option<Derived>, sqlx::Error> {
        if rows < self.bulk_from {
            return Ok(None);
        }
        Ok(Some(Derived::drop(tx, db.dialect(), &[table]).await?))
    }
}

struct SessionRow<'p> {
    id: String,
    person: &'p Person,
    ip_address: String,
    browser: (&'static str, &'static str),
    created_at: i64,
    last_active_at: i64,
    ended_at: Option<i64>,
    end_reason: Option<&'static str>,
}

struct AttemptRow<'p> {
    id: String,
    user_id: Option<&'p str>,
    email: String,
    ip_address: String,
    user_agent: &'static str,
    failure: Option<FailureReason>,
    created_at: i64,
}

fn office(rng: &mut StdRng) -> String {
    format!("203.0.113.{}", rng.gen_range(1..=OFFICES))
}

fn domain_of(email: &str) -> &str {
    email.rsplit('@').next().unwrap_or("example.com")
}
