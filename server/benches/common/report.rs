//! Writing a benchmark's rows into docs/benchmarks.md: each database's rows sit between
//! `<!-- {name} {dialect} -->` markers under the benchmark's heading, so a rerun replaces its
//! own rows and leaves everything else (the prose around them, the other database) alone.

use std::path::Path;

pub struct Section<'a> {
    /// The marker name, e.g. "Outbox".
    pub name: &'a str,
    /// The `## …` heading the rows go under, and the line that introduces them when the
    /// heading is new.
    pub heading: &'a str,
    pub intro: &'a str,
    /// The table's header row and its separator.
    pub header: &'a str,
}

pub fn write_section(section: &Section<'_>, dialect: &str, rows: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/benchmarks.md");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = (format!("<!-- {} {dialect} -->", section.name), format!("<!-- /{} {dialect} -->", section.name));
    let table = format!("{start}\n{}\n{rows}{end}", section.header);
    let heading = format!("## {}", section.heading);
    let updated = match (existing.find(&start), existing.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{table}{}", &existing[..a], &existing[b + end.len()..]),
        // The heading exists (the other database's rows): a row group of its own under it.
        _ if existing.contains(&heading) => format!("{}\n{table}\n", existing.trim_end()),
        _ => format!("{}\n\n{heading}\n\n{}\n\n{table}\n", existing.trim_end(), section.intro),
    };
    std::fs::write(&path, updated).expect("write docs/benchmarks.md");
    println!("==> wrote {}", path.display());
}
