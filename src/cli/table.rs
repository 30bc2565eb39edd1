//! Text tables for a person: columns padded to their widest cell, and, where the width of the
//! terminal is known (`COLUMNS`, else the terminal itself), the widest shrinkable columns cut
//! with `…` until the table fits. In a pipe without `COLUMNS` nothing is cut: scripts get
//! every character.

use std::io::IsTerminal;

/// Columns are never cut narrower than this.
const MIN_WIDTH: usize = 8;

/// The width to fit: `COLUMNS` when set, else the terminal's when stdout is one.
pub fn width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
    {
        return Some(n).filter(|n| *n > 0);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_width()
}

#[cfg(unix)]
fn terminal_width() -> Option<usize> {
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we own; fd 1 is stdout.
    let ok = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(not(unix))]
fn terminal_width() -> Option<usize> {
    None
}

fn cut(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_owned();
    }
    let mut out: String = cell.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Render `header` and `rows` (cells already escaped) two spaces apart. `shrinkable`: the
/// columns that may be cut to fit `width`. `paint(row, cell)` dresses the last column (colour);
/// it is applied after padding, so escapes never count as width.
pub fn render(
    header: &[&str],
    rows: &[Vec<String>],
    shrinkable: &[usize],
    width: Option<usize>,
    paint: impl Fn(usize, &str) -> String,
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    if let Some(limit) = width {
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
        while total(&widths) > limit {
            let Some(&widest) = shrinkable
                .iter()
                .filter(|&&i| widths[i] > MIN_WIDTH.max(header[i].len()))
                .max_by_key(|&&i| widths[i])
            else {
                break;
            };
            widths[widest] -= 1;
        }
    }
    let line = |cells: &[String], row: Option<usize>| {
        let last = cells.len() - 1;
        let mut text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{:<w$}", cut(c, *w)))
            .collect();
        if let Some(row) = row {
            text[last] = paint(row, text[last].trim_end());
        }
        text.join("  ").trim_end().to_owned() + "\n"
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = line(&header, None);
    for (i, row) in rows.iter().enumerate() {
        out += &line(row, Some(i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_fits_the_width_by_cutting_the_widest_shrinkable_column() {
        let rows = vec![vec![
            "1a2b".to_owned(),
            "github.com,gist.github.com".to_owned(),
            "ok".to_owned(),
        ]];
        let plain = render(&["ID", "HOST", "STATUS"], &rows, &[1], None, |_, c| {
            c.to_owned()
        });
        assert!(plain.contains("github.com,gist.github.com  ok"), "{plain}");
        let fitted = render(&["ID", "HOST", "STATUS"], &rows, &[1], Some(24), |_, c| {
            c.to_owned()
        });
        assert!(fitted.lines().all(|l| l.chars().count() <= 24), "{fitted}");
        assert!(fitted.contains('…'), "{fitted}");
        // Never narrower than the minimum, even when the width cannot be met.
        let tiny = render(&["ID", "HOST", "STATUS"], &rows, &[1], Some(5), |_, c| {
            c.to_owned()
        });
        assert!(tiny.contains("github.…"), "{tiny}");
    }
}
