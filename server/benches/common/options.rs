//! What every benchmark program takes on its command line, besides its own options (clap).

/// `--postgres URL` and `--no-write`.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// A Postgres server's URL: the benchmark makes a fresh database on it. SQLite otherwise
    /// (a file in a temporary folder).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Print the results only; do not write them into docs/benchmarks.md.
    #[arg(long)]
    pub no_write: bool,
    /// Passed by `cargo bench` to every benchmark program.
    #[arg(long, hide = true)]
    bench: bool,
}

impl Common {
    pub fn dialect(&self) -> &'static str {
        if self.postgres.is_some() { "Postgres" } else { "SQLite" }
    }

    pub fn write(&self) -> bool {
        !self.no_write
    }
}
