//! Choosing where the outbox worker sends mail, from the configuration.

use crate::config::MailConfig;
use crate::serve::redact;
use app::mail::server::transport::Transport;
use app::server::state::MailDelivery;

/// The transport for `delivery`, or `None` in production without SMTP (mail waits in the
/// outbox). A bad `ROSTER_SMTP_URL` or `ROSTER_MAIL_FROM` stops the process with a message.
pub fn transport(config: &MailConfig, delivery: MailDelivery) -> Result<Option<Transport>, String> {
    match (delivery, &config.smtp_url) {
        (MailDelivery::Smtp, Some(url)) => {
            let transport = Transport::smtp(url, &config.from)?;
            tracing::info!(smtp = %redact(url), from = %config.from, "invitation email goes through SMTP");
            Ok(Some(transport))
        }
        (MailDelivery::DevMailbox, _) => {
            let transport = Transport::dev_mailbox(config.dev_dir.clone(), &config.from)?;
            tracing::info!(dir = %config.dev_dir.display(), "no ROSTER_SMTP_URL: invitation email is written to the development mailbox");
            Ok(Some(transport))
        }
        _ => {
            tracing::warn!("no ROSTER_SMTP_URL in production: invitation email waits in the outbox until SMTP is configured");
            Ok(None)
        }
    }
}
