//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 iterations, 1 lane), always
//! on the blocking pool so a sign-in never stalls the async threads. Sign-in checks passwords
//! through a [`HashLimiter`]: a flood of sign-ins would otherwise start one 19 MiB hash per
//! request on up to 512 blocking threads, and take the memory and the cores from everyone.

use crate::error::AppError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    // The parameters are constants that argon2 accepts; `default()` is its own OWASP set.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string. Outside requests only (the command line, the first
/// start, the seed), which nobody can call a thousand times at once; a request hashes in a
/// [`HashTurn`] of the process's [`HashLimiter`].
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|err| {
        tracing::error!(%err, "password hashing failed");
        AppError::Internal
    })
}

/// Whether a stored hash was made with anything weaker than [`hasher`]'s settings (another
/// algorithm, or less memory, fewer passes or fewer lanes): it is renewed at the next sign-in.
pub fn outdated(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false; // not a hash at all: nothing verifies against it, nothing to renew
    };
    let current = hasher();
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let wanted = current.params();
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() < wanted.m_cost()
        || params.t_cost() < wanted.t_cost()
        || params.p_cost() < wanted.p_cost()
}

/// A hash of a random password, verified against when the account is unknown so that an
/// unknown email costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(b"roster-dummy-password-never-matches", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks `password` against `stored` (or against a dummy when there is no account or no
/// password), taking the same time either way. True only for a real match. Only in a
/// [`HashTurn`]: every check a request makes waits for the limiter.
async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let matched = hasher().verify_password(password.as_bytes(), &parsed).is_ok();
        real && matched
    })
    .await
    .unwrap_or(false)
}

/// At most `concurrency` password checks at once, and at most `queue` more waiting for one;
/// beyond that a check is refused (sign-in answers 503 with `Retry-After`) instead of piling up
/// memory and latency for every other request. The refusal comes after [`REFUSAL_PAUSE`],
/// holding nothing meanwhile: refused at once, a flood's 200 connections came straight back
/// for 17,000 refusals a second, a core's worth of work taken from every other request.
#[derive(Clone, Debug)]
pub struct HashLimiter {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
}

/// Counts one waiter for as long as it lives, so a cancelled request stops counting too.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashLimiter {
    pub fn new(concurrency: usize, queue: usize) -> HashLimiter {
        HashLimiter { running: Arc::new(Semaphore::new(concurrency.max(1))), waiting: Arc::default(), queue }
    }

    /// A turn to check a password, once one is free; `Unavailable` at once when the queue is
    /// full. Taken before anything is counted, so a refused attempt changes nothing.
    pub async fn turn(&self) -> Result<HashTurn, AppError> {
        let permit = match Arc::clone(&self.running).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    tokio::time::sleep(REFUSAL_PAUSE).await;
                    return Err(busy());
                }
                let _waiting = Waiting(&self.waiting);
                Arc::clone(&self.running).acquire_owned().await.map_err(|_| busy())?
            }
        };
        Ok(HashTurn { _permit: permit })
    }
}

/// One password check's turn: while it lives, one of the limiter's permits is held.
pub struct HashTurn {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl HashTurn {
    /// [`hash`], in this turn.
    pub async fn hash(self, password: String) -> Result<String, AppError> {
        hash(password).await
    }

    /// [`verify`], in this turn.
    pub async fn verify(self, password: String, stored: Option<String>) -> bool {
        verify(password, stored).await
    }

    /// [`verify`], and on a match against a hash made with weaker settings than today's
    /// ([`outdated`]), a new hash of the password, in this same turn: the only moment the
    /// server holds the password, and still one check's memory at a time.
    pub async fn verify_and_renew(self, password: String, stored: Option<String>) -> (bool, Option<String>) {
        let renew = stored.as_deref().is_some_and(outdated);
        let matched = verify(password.clone(), stored).await;
        if !(matched && renew) {
            return (matched, None);
        }
        (matched, hash(password).await.ok())
    }
}

/// How long a refused sign-in waits before it is answered (a full password-check queue, and
/// an address over its limit): for a full queue, the `Retry-After` it is answered with, so
/// that a client that honours it loses nothing, and one that does not comes back no sooner.
/// A waiting refusal is a sleeping task: no memory of a check, no thread, no count.
pub const REFUSAL_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

fn busy() -> AppError {
    AppError::Unavailable("Too many people are signing in right now. Please try again in a moment.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_beyond_the_permits_and_the_queue_are_refused() {
        let limiter = HashLimiter::new(1, 2);
        let stored = hash("correct horse battery".into()).await.ok();
        let checks: Vec<_> = (0..12)
            .map(|_| {
                let (limiter, stored) = (limiter.clone(), stored.clone());
                tokio::spawn(async move {
                    let turn = limiter.turn().await?;
                    Ok::<_, AppError>(turn.verify("correct horse battery".into(), stored).await)
                })
            })
            .collect();
        let mut answers = Vec::new();
        for check in checks {
            answers.push(check.await.ok());
        }
        let passed = answers.iter().filter(|a| matches!(a, Some(Ok(true)))).count();
        let refused = answers.iter().filter(|a| matches!(a, Some(Err(AppError::Unavailable(_))))).count();
        assert_eq!(passed + refused, 12, "every check either ran and matched or was refused: {answers:?}");
        assert!((1..=3).contains(&passed), "one running and two waiting at most when all arrive at once: {passed}");
        // The queue empties again: a check after the flood runs.
        let turn = limiter.turn().await;
        assert!(turn.is_ok());
        if let Ok(turn) = turn {
            assert!(turn.verify("correct horse battery".into(), stored).await);
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash("correct horse battery".into()).await.ok();
        assert!(stored.as_deref().is_some_and(|h| h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")));
        assert!(verify("correct horse battery".into(), stored.clone()).await);
        assert!(!verify("wrong horse battery".into(), stored).await);
    }

    #[tokio::test]
    async fn a_hash_with_weaker_settings_is_renewed_at_a_match_and_only_then() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap_or_default());
        let salt = SaltString::generate(&mut OsRng);
        let old = weak.hash_password(b"correct horse battery", &salt).map(|h| h.to_string()).unwrap_or_default();
        let current = hash("correct horse battery".into()).await.unwrap_or_default();
        assert!(outdated(&old) && !outdated(&current));
        let limiter = HashLimiter::new(1, 1);
        let mut answers = Vec::new();
        for (password, stored) in [("correct horse battery", &old), ("wrong horse battery", &old), ("correct horse battery", &current)] {
            let answer = match limiter.turn().await {
                Ok(turn) => Some(turn.verify_and_renew(password.into(), Some(stored.clone())).await),
                Err(_) => None,
            };
            answers.push(answer);
        }
        let renewed = match &answers[0] {
            Some((true, Some(renewed))) => renewed.clone(),
            other => format!("not renewed: {other:?}"),
        };
        assert!(renewed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{renewed}");
        assert!(verify("correct horse battery".into(), Some(renewed)).await);
        assert_eq!(answers[1], Some((false, None)), "no match, no renewal");
        assert_eq!(answers[2], Some((true, None)), "already current");
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        assert!(!verify("roster-dummy-password-never-matches".into(), None).await);
    }
}
