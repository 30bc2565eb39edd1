//! The targets, each stated as met or not from the table's own rows.

use super::{Rows, thousands};
use crate::common::quantile;

/// The median and peak RSS (KiB) of `label`'s row in `operation` at `size`, if measured.
fn row(groups: &[Rows], operation: &str, size: usize, label: &str) -> Option<(f64, Option<i64>)> {
    let group = groups
        .iter()
        .find(|g| g.operation == operation && g.size == size)?;
    let r = group.rows.iter().find(|r| r.label == label)?;
    Some((quantile(&r.times, 0.5).as_secs_f64(), r.rss_kib))
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "not met" }
}

const GET: &str = "`get`";
const STORE: &str = "`store` (one changed credential)";
const FILE: &str = "vouch, key file";
const GIT: &str = "git credential-store (plaintext)";
/// The peak-RSS bound for `get` at 100,000 credentials.
const RSS_LIMIT_KIB: i64 = 8 * 1024;

/// One line per target whose rows the run measured.
pub fn print(groups: &[Rows]) {
    let mut lines = Vec::new();
    let vs_git: Vec<(usize, f64)> = [1_000, 10_000]
        .into_iter()
        .filter_map(|n| {
            Some((
                n,
                row(groups, GET, n, FILE)?.0 / row(groups, GET, n, GIT)?.0,
            ))
        })
        .collect();
    if !vs_git.is_empty() {
        let list: Vec<String> = vs_git
            .iter()
            .map(|(n, r)| format!("{r:.2}x at {}", thousands(*n)))
            .collect();
        lines.push(format!(
            "key-file `get` at most 1.0x git's plaintext helper at 1,000 and 10,000 \
             credentials: {} ({})",
            list.join(", "),
            verdict(vs_git.iter().all(|&(_, r)| r <= 1.0))
        ));
    }
    if let (Some((small, _)), Some((large, rss))) = (
        row(groups, GET, 1_000, FILE),
        row(groups, GET, 100_000, FILE),
    ) {
        let ratio = large / small;
        lines.push(format!(
            "key-file `get` at 100,000 at most 2x its cost at 1,000: {ratio:.2}x ({})",
            verdict(ratio <= 2.0)
        ));
        if let Some(kib) = rss {
            lines.push(format!(
                "peak RSS of key-file `get` at 100,000 under 8 MiB: {:.1} MiB ({})",
                kib as f64 / 1024.0,
                verdict(kib < RSS_LIMIT_KIB)
            ));
        }
    }
    if let (Some((small, _)), Some((large, _))) = (
        row(groups, STORE, 10_000, FILE),
        row(groups, STORE, 100_000, FILE),
    ) {
        let ratio = large / small;
        lines.push(format!(
            "key-file `store` linear in the credentials (at most 10x from 10,000 to 100,000): \
             {ratio:.2}x ({})",
            verdict(ratio <= 10.0)
        ));
    }
    if !lines.is_empty() {
        println!("\nTargets:");
        for line in lines {
            println!("- {line}");
        }
    }
}
