//! The database stops answering under traffic, and comes back: the server keeps living
//! (`/healthz`), says it is not ready (`/readyz`), answers every request within seconds with
//! "temporarily unavailable" (never a hang, never a session taken for valid or for ended), and
//! recovers by itself. Postgres is cut off behind a TCP proxy the test controls. On SQLite
//! another process holding the write lock stops writes only (WAL readers never wait): they
//! answer "temporarily unavailable" within the busy timeout while reads go on.

use crate::helpers::*;
use app::auth::types::BuiltinRole;
use app::error::AppError;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Forwards connections to `to`; `cut` drops every connection and stops listening (as a
/// database that went away), `restore` listens again on the same port.
struct Proxy {
    addr: SocketAddr,
    to: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(to: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy { addr: listener.local_addr().unwrap(), to, tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (to, tasks) = (self.to, Arc::clone(&self.tasks));
        let accepting = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(relay);
            }
        });
        self.tasks.lock().unwrap().push(accepting);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("the proxy's port again");
        self.serve(listener);
    }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let user = authority.rsplit_once('@').map(|(user, _)| format!("{user}@")).unwrap_or_default();
    format!("{scheme}://{user}{addr}/{path}")
}

fn postgres_addr(url: &str) -> SocketAddr {
    let authority = url.split_once("://").unwrap().1.split('/').next().unwrap();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    host.parse().expect("TEST_DATABASE_URL names 127.0.0.1:port")
}

/// What the outage looks like from outside, in seconds: each request answers, and how.
async fn expect_unavailable(app: &TestApp, owner: &reqwest::Client) {
    assert_eq!(browser().get(app.url("/healthz")).send().await.unwrap().status(), 200, "alive");
    // Whatever cookie a probe carries: the session is not even looked up.
    assert_eq!(owner.get(app.url("/healthz")).send().await.unwrap().status(), 200, "alive, with a session cookie");
    let started = Instant::now();
    assert_eq!(browser().get(app.url("/readyz")).send().await.unwrap().status(), 503, "not ready");
    let res = app.call(owner, "/api/list_users", &[]).await;
    assert_eq!(res.status(), 503);
    assert!(matches!(res.json::<AppError>().await.unwrap(), AppError::Unavailable(_)));
    let page = owner.get(app.url("/users")).send().await.unwrap();
    assert_eq!(page.status(), 503, "the session is neither taken for valid nor for ended");
    assert!(page.text().await.unwrap().contains("temporarily unavailable"));
    let took = started.elapsed();
    eprintln!("during the outage: readyz, a server function and a page answered 503 in {took:?}");
    assert!(took < Duration::from_secs(20), "answers, not hangs: {took:?}");
}

/// Polls until the Users list answers again; the time it took.
async fn recovery(app: &TestApp, owner: &reqwest::Client) -> Duration {
    let back = Instant::now();
    loop {
        if app.call(owner, "/api/list_users", &[]).await.status() == 200 {
            return back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(30), "recovered without a restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn when_postgres_goes_away_requests_fail_fast_and_the_server_recovers_by_itself() {
    let Some(admin) = postgres_url() else { return };
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let proxy = Proxy::start(postgres_addr(&admin)).await;
    let served = spawn_app_on(&through(&app.db_url, proxy.addr)).await;
    let owner = served.signed_in("ada@example.com").await;
    assert_eq!(served.call(&owner, "/api/list_users", &[]).await.status(), 200);

    proxy.cut();
    expect_unavailable(&served, &owner).await;
    proxy.restore().await;
    let took = recovery(&served, &owner).await;
    eprintln!("Postgres back: answering again after {took:?}");
    assert_eq!(browser().get(served.url("/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn when_another_process_holds_the_sqlite_write_lock_reads_go_on_and_writes_fail_fast() {
    if postgres_url().is_some() {
        return;
    }
    let app = spawn_app().await;
    let org = app.create_org("acme", "Acme").await;
    app.add_user(&org, "ada@example.com", "Ada Lovelace", BuiltinRole::Owner).await;
    let max = app.add_user(&org, "max@example.com", "Max Member", BuiltinRole::Member).await;
    let owner = app.signed_in("ada@example.com").await;
    let deactivate = [("id", max.as_str()), ("active", "false")];

    // Another connection (as another process would: a shell, a script) starts writing and
    // does not finish. In WAL mode readers never wait for a writer; writers wait for it.
    use sqlx::Connection;
    let mut locker = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut locker).await.unwrap();
    sqlx::query("UPDATE organizations SET name = name").execute(&mut locker).await.unwrap();

    assert_eq!(browser().get(app.url("/readyz")).send().await.unwrap().status(), 200, "reads work: ready");
    assert_eq!(app.call(&owner, "/api/list_users", &[]).await.status(), 200, "reads go on");
    assert_eq!(owner.get(app.url("/users")).send().await.unwrap().status(), 200, "pages too");
    let started = Instant::now();
    let res = app.call(&owner, "/api/set_user_active", &deactivate).await;
    let took = started.elapsed();
    eprintln!("a write while another process held the write lock answered {} in {took:?}", res.status());
    assert_eq!(res.status(), 503);
    assert!(matches!(res.json::<AppError>().await.unwrap(), AppError::Unavailable(_)));
    assert!(took < Duration::from_secs(20), "answers, not hangs: {took:?}");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM users WHERE id = $1 AND status = 'active'", &max).await, 1, "nothing changed");

    sqlx::query("COMMIT").execute(&mut locker).await.unwrap();
    locker.close().await.unwrap();
    assert_eq!(app.call(&owner, "/api/set_user_active", &deactivate).await.status(), 200, "the same write, once the lock is gone");
}
