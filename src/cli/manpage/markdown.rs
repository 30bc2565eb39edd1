//! Markdown from docs/ as roff, for the sections of the man page that quote the docs: a small
//! subset (headings, paragraphs, bullet and numbered lists, tables, code blocks, `code`,
//! **strong**, *emphasis* and links), so the page cannot drift from the docs and shows no
//! Markdown.

/// The text under `## heading` up to the next `## `.
pub fn section<'a>(markdown: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("\n## {heading}\n");
    let start = markdown.find(&marker)? + marker.len();
    let rest = &markdown[start..];
    Some(rest.find("\n## ").map_or(rest, |end| &rest[..=end]))
}

pub fn to_roff(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            out.push_str(if in_code {
                ".fi\n.RE\n"
            } else {
                ".RS 4\n.nf\n"
            });
            in_code = !in_code;
        } else if in_code {
            out.push_str(&escape(line));
            out.push('\n');
        } else if let Some(h) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            out.push_str(&format!(".SS \"{}\"\n", plain(h)));
        } else if line.trim().is_empty() {
            out.push_str(".PP\n");
        } else if let Some(row) = line.strip_prefix('|') {
            // `\|` is a pipe inside a cell, not a column.
            let row = row.replace("\\|", "\u{1}");
            let cells: Vec<String> = row
                .trim_end()
                .trim_end_matches('|')
                .split('|')
                .map(|c| c.trim().replace('\u{1}', "|"))
                .collect();
            if cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
            {
                continue;
            }
            out.push_str(&format!(".TP\n\\fB{}\\fR\n", inline(&cells[0])));
            out.push_str(&inline(&cells[1..].join("; ")));
            out.push('\n');
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str(".IP \\(bu 2\n");
            out.push_str(&inline(item));
            out.push('\n');
        } else if let Some((number, item)) = numbered(line) {
            out.push_str(&format!(".IP {number}. 4\n"));
            out.push_str(&inline(item));
            out.push('\n');
        } else {
            out.push_str(&inline(line.trim_start()));
            out.push('\n');
        }
    }
    out
}

/// Backslashes and a line-leading `.` or `'` mean something to roff.
pub fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// `code` in bold, **strong** and [links](target) as plain text.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for (i, part) in escape(&unlink(text)).split('`').enumerate() {
        if i > 0 {
            out.push_str(if code { "\\fR" } else { "\\fB" });
            code = !code;
        }
        if code {
            out.push_str(part);
        } else {
            out.push_str(&emphasis(&part.replace("**", "")));
        }
    }
    if code {
        out.push_str("\\fR");
    }
    out
}

/// `1. text` (a numbered list item): the number and the text.
fn numbered(line: &str) -> Option<(&str, &str)> {
    let (number, rest) = line.split_once(". ")?;
    (!number.is_empty() && number.len() <= 2 && number.bytes().all(|b| b.is_ascii_digit()))
        .then_some((number, rest))
}

/// `*text*` in italics; a lone `*` (a wildcard like `*.ghe.com`) stays.
fn emphasis(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('*') {
        let after = &rest[open + 1..];
        let close = after.find('*').filter(|&c| {
            c > 0
                && !after[..c].starts_with(' ')
                && !after[..c].ends_with(' ')
                && !after[..c].contains('.')
        });
        match close {
            Some(c) if !after.starts_with('.') => {
                out.push_str(&rest[..open]);
                out.push_str(&format!("\\fI{}\\fR", &after[..c]));
                rest = &after[c + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[text](target)` becomes `text`: the targets are pages of the docs/ directory.
fn unlink(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let target = &after[close + 2..];
            target.find(')').map(|end| (close, close + 2 + end + 1))
        });
        match link {
            Some((close, end)) if !after[..close].contains(['[', ']']) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..close]);
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn plain(text: &str) -> String {
    escape(&text.replace(['`', '"'], ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_markup() {
        let md = "intro\n## A\ntext `x`\n\n| k | v |\n| --- | --- |\n| 1 | one |\n- item\n```\n.code\\\n```\n## B\nb\n";
        let a = section(md, "A").unwrap();
        assert!(!a.contains("## B"));
        let roff = to_roff(a);
        assert!(roff.contains("text \\fBx\\fR\n"));
        assert!(roff.contains(".TP\n\\fB1\\fR\none\n"));
        assert!(!roff.contains("---"));
        assert!(roff.contains(".IP \\(bu 2\nitem\n"));
        assert!(roff.contains(".nf\n\\&.code\\e\n.fi\n"));
        assert!(section(md, "C").is_none());
        assert!(to_roff("## Sub\n").contains(".SS \"Sub\"\n"));
        let more = to_roff("1. first *thing*\n2. second\n| `a\\|b` | `*.ghe.com` |\n");
        assert!(
            more.contains(".IP 1. 4\nfirst \\fIthing\\fR\n.IP 2. 4\nsecond\n"),
            "{more}"
        );
        assert!(
            more.contains("\\fBa|b\\fR") && more.contains("*.ghe.com"),
            "{more}"
        );
        assert_eq!(
            unlink("see [a page](x.md#y), [b] and f(x) [c](d)"),
            "see a page, [b] and f(x) c"
        );
    }
}
