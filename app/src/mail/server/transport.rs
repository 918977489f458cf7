//! Where mail goes: an SMTP server through lettre's async transport, or, in development
//! without one, `.eml` files in a directory with the invitation link printed on the console.

use super::message::one_line;
use super::repo::ClaimedMail;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// How long one SMTP conversation may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub enum Transport {
    Smtp { mailer: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    DevMailbox { dir: PathBuf, from: Mailbox },
}

/// Why a message was not sent. A permanent failure (the server refused the address, say) is
/// not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: true }
    }
    fn transient(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: false }
    }
}

fn sender(from: &str) -> Result<Mailbox, String> {
    from.parse().map_err(|e| format!("ROSTER_MAIL_FROM must be an address like \"Roster <roster@example.com>\", not {from:?}: {e}"))
}

impl Transport {
    /// SMTP at `url`, in lettre's form (`smtp://host:port`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://…`), sending as `from`.
    pub fn smtp(url: &str, from: &str) -> Result<Transport, String> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("ROSTER_SMTP_URL is not an SMTP URL lettre understands: {e}"))?;
        Ok(Transport::Smtp { mailer: builder.timeout(Some(SMTP_TIMEOUT)).build(), from: sender(from)? })
    }

    /// The development mailbox: each message a file in `dir`.
    pub fn dev_mailbox(dir: PathBuf, from: &str) -> Result<Transport, String> {
        Ok(Transport::DevMailbox { dir, from: sender(from)? })
    }

    fn build(&self, mail: &ClaimedMail) -> Result<Message, SendError> {
        let from = match self {
            Transport::Smtp { from, .. } | Transport::DevMailbox { from, .. } => from.clone(),
        };
        // A parsed address cannot hold CR or LF; the subject is folded onto one line again
        // (it was when rendered) and lettre encodes it.
        let to: lettre::Address = mail.to_address.parse().map_err(|e| SendError::permanent(format!("invalid recipient address: {e}")))?;
        Message::builder()
            .from(from)
            .to(Mailbox::new(None, to))
            .subject(one_line(&mail.subject))
            .multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone()))
            .map_err(|e| SendError::permanent(format!("could not build the message: {e}")))
    }

    pub async fn send(&self, mail: &ClaimedMail) -> Result<(), SendError> {
        let message = self.build(mail)?;
        match self {
            Transport::Smtp { mailer, .. } => match mailer.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::permanent(e.to_string())),
                Err(e) => Err(SendError::transient(e.to_string())),
            },
            Transport::DevMailbox { dir, .. } => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| SendError::transient(format!("{}: {e}", dir.display())))?;
                let path = dir.join(format!("{}-{}.eml", mail.created_at, mail.id));
                tokio::fs::write(&path, message.formatted()).await.map_err(|e| SendError::transient(format!("{}: {e}", path.display())))?;
                // The console, not the log: a development convenience (see README, "Email").
                if let Some(link) = mail.body_text.lines().find(|l| l.contains("/invitation?token=")) {
                    println!("Invitation email for {} written to {}\n  accept it at {link}", mail.to_address, path.display());
                }
                Ok(())
            }
        }
    }
}
