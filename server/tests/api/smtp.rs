//! A real SMTP server for the tests: aiosmtpd (STACK.md), on a port it binds itself and
//! reports, writing each message it receives into a Maildir that the tests read.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

/// Debian's Python, where `python3-aiosmtpd` is installed (a `python3` earlier on PATH, such as
/// a pyenv one, may not have it).
pub fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" }
}

/// A port nothing listens on, for the one test that needs mail to fail first and then reach a
/// server started there later (an SMTP outage); everything else binds port 0 and is told.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The sink both test suites use (`scripts/smtp_sink.py`): it binds the port given (0: one
/// the system chooses) and says which on its first line.
const SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp_sink.py");

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(0).await
    }

    /// On `port` (0: one the system chooses, known once started).
    pub async fn start_on(port: u16) -> SmtpServer {
        let dir = tempfile::tempdir().expect("maildir");
        let mut server = SmtpServer { port, dir, child: None };
        server.resume().await;
        server
    }

    /// Starts (again) on the same port and Maildir.
    pub async fn resume(&mut self) {
        use std::io::BufRead;
        let mut child = Command::new(python())
            .arg(SINK)
            .arg(self.maildir())
            .arg(self.port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd (python3-aiosmtpd; `cargo xtask setup` installs it)");
        let stdout = child.stdout.take().expect("piped");
        let mut first = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut first);
        self.port = first.trim().parse().unwrap_or_else(|_| panic!("aiosmtpd did not start on port {}", self.port));
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {}", self.port);
    }

    /// Stops the server (the Maildir stays).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The Maildir: a path that does not exist yet, so that aiosmtpd makes it with its
    /// `new/`, `cur/` and `tmp/` (given an existing empty folder it makes none of them).
    fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let new: PathBuf = self.maildir().join("new");
        let mut files: Vec<_> = std::fs::read_dir(new).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
        // In arrival order (Maildir names are not zero-padded within a second).
        files.sort_by_key(|f| (std::fs::metadata(f).and_then(|m| m.modified()).ok(), f.clone()));
        files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
    }

    /// The invitation tokens sent to `to`, in arrival order.
    pub fn tokens_to(&self, to: &str) -> Vec<String> {
        self.messages()
            .iter()
            .filter(|m| header(m, "To").is_some_and(|t| t.eq_ignore_ascii_case(to)))
            .filter_map(|m| link_in(m))
            .map(|l| token_of(&l))
            .collect()
    }

    /// Waits up to five seconds for `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..100 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A raw message with quoted-printable soft breaks and `=3D` undone, enough to read links.
pub fn decoded(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

/// The invitation link in a raw message: the public URL's `/invitation?token=…`.
pub fn link_in(raw: &str) -> Option<String> {
    let text = decoded(raw);
    let at = text.find("/invitation?token=")?;
    let start = text[..at].rfind(|c: char| c.is_whitespace() || c == '"').map_or(0, |i| i + 1);
    let end = at + "/invitation?token=".len();
    let token_len = text[end..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(text.len() - end);
    Some(text[start..end + token_len].to_owned())
}

pub fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap_or_default().to_owned()
}

/// The value of header `name` in a raw message.
pub fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().take_while(|l| !l.is_empty() && *l != "\r").find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// A slow or hung mail server: it takes a message's data and then waits `answer_after` before
/// accepting it, or never answers (`None`). Enough SMTP for lettre; it keeps nothing.
pub struct SlowSmtp {
    pub port: u16,
    received: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl SlowSmtp {
    pub async fn start(answer_after: Option<Duration>) -> SlowSmtp {
        SlowSmtp::start_with(answer_after, false).await
    }

    /// A mail server that refuses every recipient for good (`550`, no such mailbox).
    pub async fn refusing() -> SlowSmtp {
        SlowSmtp::start_with(Some(Duration::ZERO), true).await
    }

    async fn start_with(answer_after: Option<Duration>, refuse: bool) -> SlowSmtp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = std::sync::Arc::default();
        let counter = std::sync::Arc::clone(&received);
        let server = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(converse(conn, std::sync::Arc::clone(&counter), answer_after, refuse));
            }
        });
        SlowSmtp { port, received, server }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits up to ten seconds until the data of `n` messages has arrived (whether or not it
    /// was accepted).
    pub async fn wait_until_received(&self, n: usize) {
        for _ in 0..200 {
            if self.received.load(std::sync::atomic::Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the slow mail server received fewer than {n} messages");
    }
}

impl Drop for SlowSmtp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn converse(conn: tokio::net::TcpStream, received: std::sync::Arc<std::sync::atomic::AtomicUsize>, answer_after: Option<Duration>, refuse: bool) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = conn.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 slow.example ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "DATA" => {
                let _ = write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
                while let Ok(Some(data)) = lines.next_line().await {
                    if data == "." {
                        break;
                    }
                }
                received.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match answer_after {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending::<()>().await,
                }
                b"250 queued\r\n"
            }
            "RCPT" if refuse => b"550 5.1.1 no such mailbox here\r\n",
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 ok\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
