//! Progress on long work (`import` of many lines; `renew` and `verify` of many tokens): a bar
//! on stderr when stderr is a terminal, and nothing at all otherwise, so pipes, logs and JSON
//! output are exactly what they were. indicatif is only touched when a bar is drawn, so no
//! command pays for it at start-up.
//!
//! ```no_run
//! let progress = vouch::progress::Progress::new("verifying", 40);
//! for _ in 0..40 {
//!     // ... one token ...
//!     progress.inc(1);
//! }
//! progress.finish();
//! ```

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar for a known number of items; a no-op when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar labelled `label` (shown as is: never put a secret, a token or a URL with
    /// credentials in it) counting up to `total`, drawn only when stderr is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(crate::term::escape(label));
        Progress { bar: Some(bar) }
    }

    /// No bar: for a few items, where a bar would only flicker.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// Whether a bar is being drawn.
    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Count `n` more items done.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Print a line on stderr without tearing the bar (above it, when one is drawn).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Leave the full bar on the terminal as the record of what was done.
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

impl Drop for Progress {
    /// A bar abandoned by an error is left where it stopped, and the error goes below it.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn hidden_progress_counts_nothing_and_draws_nothing() {
        let p = Progress::hidden();
        assert!(!p.is_shown());
        p.inc(5);
        p.finish();
    }
}
