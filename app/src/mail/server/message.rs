//! The invitation email, in plain text and HTML. Everything a person typed (names, the
//! personal message) is escaped for HTML, and what goes into the subject is folded onto one
//! line, so neither markup nor a header can be injected. The headers themselves are written
//! by lettre from the stored subject and a parsed address.

use crate::ui::time::exact;

/// Where the invitation link goes in a queued message. The link's token is made only when the
/// worker sends the message (see `invitations::server::service::mint`), so the outbox never
/// holds a usable token. A control character cannot come from any input (names and messages
/// refuse them), so nothing a person types can stand in for it.
pub const LINK_MARKER: &str = "\u{1}invitation-link\u{1}";

/// What an invitation email says.
pub struct InvitationMail<'a> {
    pub org_name: &'a str,
    pub inviter_name: &'a str,
    pub role: &'a str,
    pub message: Option<&'a str>,
    pub link: &'a str,
    pub expires_at: i64,
}

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Text for a header: control characters (CR and LF among them) become spaces, runs of
/// spaces one, at most 200 characters.
pub fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect()
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn invitation(mail: &InvitationMail<'_>) -> Rendered {
    let (org, inviter, role) = (one_line(mail.org_name), one_line(mail.inviter_name), one_line(mail.role));
    let expires = exact(mail.expires_at);
    let subject = one_line(&format!("{inviter} invited you to join {org} on Roster"));
    let message = mail.message.map(str::trim).filter(|m| !m.is_empty());

    let mut text = format!("{inviter} invited you to join {org} on Roster as {role}.\n\n");
    if let Some(m) = message {
        text.push_str(&format!("Their message:\n\n{}\n\n", m.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")));
    }
    text.push_str(&format!(
        "Accept the invitation here:\n{}\n\nThis link works until {expires} and only once. If you weren't expecting this, you can ignore this email or decline the invitation from the link.\n",
        mail.link
    ));

    let quote = message
        .map(|m| {
            let body = escape_html(m).replace('\n', "<br>");
            format!("<blockquote style=\"margin:16px 0;padding:8px 16px;border-left:3px solid #d4d4d8;color:#3f3f46\">{body}</blockquote>")
        })
        .unwrap_or_default();
    let link = escape_html(mail.link);
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#18181b;line-height:1.5\">\
         <p><strong>{inviter}</strong> invited you to join <strong>{org}</strong> on Roster as <strong>{role}</strong>.</p>\
         {quote}\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:8px 16px;background:#4f46e5;color:#fff;border-radius:6px;text-decoration:none\">Accept invitation</a></p>\
         <p style=\"color:#52525b;font-size:14px\">Or open this link: {link}<br>It works until {expires} and only once. If you weren't expecting this, you can ignore this email.</p>\
         </body></html>",
        inviter = escape_html(&inviter),
        org = escape_html(&org),
        role = escape_html(&role),
        expires = escape_html(&expires),
    );
    Rendered { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(inviter: &'a str, message: Option<&'a str>) -> InvitationMail<'a> {
        InvitationMail { org_name: "Acme", inviter_name: inviter, role: "Admin", message, link: "https://roster.example.com/invitation?token=abc", expires_at: 0 }
    }

    #[test]
    fn the_subject_is_one_line_whatever_the_names_hold() {
        let rendered = invitation(&mail("Eve\r\nBcc: victim@example.com", None));
        assert!(!rendered.subject.contains('\r') && !rendered.subject.contains('\n'));
        assert_eq!(rendered.subject, "Eve Bcc: victim@example.com invited you to join Acme on Roster");
    }

    #[test]
    fn the_link_marker_survives_rendering_in_both_parts() {
        let rendered = invitation(&InvitationMail { link: LINK_MARKER, ..mail("Ada", Some("hi")) });
        assert!(rendered.text.contains(LINK_MARKER) && rendered.html.contains(LINK_MARKER));
    }

    #[test]
    fn the_personal_message_is_escaped_in_html_and_quoted_in_text() {
        let rendered = invitation(&mail("Ada", Some("<script>alert(1)</script>\nSee you & welcome")));
        assert!(rendered.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;<br>See you &amp; welcome"));
        assert!(!rendered.html.contains("<script>"));
        assert!(rendered.text.contains("> <script>alert(1)</script>\n> See you & welcome"));
        assert!(rendered.text.contains("https://roster.example.com/invitation?token=abc"));
        assert!(rendered.html.contains("href=\"https://roster.example.com/invitation?token=abc\""));
    }
}
