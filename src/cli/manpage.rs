//! The man page: clap_mangen renders the commands and options from the same definition the
//! parser uses, and the docs/ pages on providers and resolution, exit codes and files follow,
//! converted from Markdown to roff here (a small subset: headings, paragraphs, lists, tables,
//! code blocks and links), so the page cannot drift from either.

use clap::CommandFactory;

use super::Cli;

const ACCOUNTS: &str = include_str!("../../docs/accounts.md");
const COMMANDS: &str = include_str!("../../docs/commands.md");
const SECURITY: &str = include_str!("../../docs/security.md");

/// What goes into the page, in order: a docs/ page, the `## ` section of it (`None`: the whole
/// page below its `# ` title), and the page's section title.
const SECTIONS: [(&str, Option<&str>, &str); 3] = [
    (ACCOUNTS, None, "PROVIDERS AND RESOLUTION"),
    (COMMANDS, Some("Exit codes"), "EXIT STATUS"),
    (SECURITY, Some("The store"), "FILES"),
];

pub fn render() -> Vec<u8> {
    let mut out = Vec::new();
    let cmd = Cli::command().version(env!("CARGO_PKG_VERSION"));
    let _ = clap_mangen::Man::new(cmd)
        .section("1")
        .manual("Git Manual")
        .render(&mut out);
    let mut text = String::new();
    for (page, heading, title) in SECTIONS {
        let body = match heading {
            Some(heading) => section(page, heading),
            None => Some(body(page)),
        };
        if let Some(body) = body {
            text.push_str(&format!(".SH \"{title}\"\n"));
            text.push_str(&to_roff(body));
        }
    }
    text.push_str(".SH \"SEE ALSO\"\ngit-credential(1), gitcredentials(7)\n");
    out.extend_from_slice(text.as_bytes());
    out
}

/// A page without its `# ` title line.
fn body(markdown: &str) -> &str {
    match markdown.strip_prefix("# ") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
        None => markdown,
    }
}

/// The text under `## heading` up to the next `## `.
fn section<'a>(markdown: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("\n## {heading}\n");
    let start = markdown.find(&marker)? + marker.len();
    let rest = &markdown[start..];
    Some(rest.find("\n## ").map_or(rest, |end| &rest[..=end]))
}

fn to_roff(markdown: &str) -> String {
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
            let cells: Vec<&str> = row
                .trim_end()
                .trim_end_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
            {
                continue;
            }
            out.push_str(&format!(".TP\n\\fB{}\\fR\n", inline(cells[0])));
            out.push_str(&inline(&cells[1..].join("; ")));
            out.push('\n');
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str(".IP \\(bu 2\n");
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
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// `code` in bold, **strong** and [links](target) as plain text.
fn inline(text: &str) -> String {
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
            out.push_str(&part.replace("**", ""));
        }
    }
    if code {
        out.push_str("\\fR");
    }
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
        assert_eq!(body("# T\n## A\nx\n"), "## A\nx\n");
        assert!(to_roff("## Sub\n").contains(".SS \"Sub\"\n"));
        assert_eq!(
            unlink("see [a page](x.md#y), [b] and f(x) [c](d)"),
            "see a page, [b] and f(x) c"
        );
    }

    #[test]
    fn the_page_has_every_section() {
        let page = String::from_utf8(render()).unwrap();
        for title in [
            "PROVIDERS AND RESOLUTION",
            "EXIT STATUS",
            "FILES",
            "SEE ALSO",
        ] {
            assert!(page.contains(&format!(".SH \"{title}\"")), "{title}");
        }
        assert!(page.contains(".SH NAME"));
    }
}
