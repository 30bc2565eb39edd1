//! Reading a Rust file the way the compiler sees its imports: comments, literals and
//! `#[cfg(test)]` code left out, and every `crate::` and `super::` path (use trees expanded) as
//! a path from the crate root.

use super::Module;

/// `text` without comments, string and character literals (blanked) and `#[cfg(test)]` items;
/// and the names of child modules declared under `#[cfg(test)]` (`mod tests;`).
pub(super) fn code(text: &str) -> (String, Vec<String>) {
    let plain = strip_literals(text);
    let chars: Vec<char> = plain.chars().collect();
    let mut out = String::with_capacity(plain.len());
    let mut test_children = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '#'
            && chars.get(i + 1) == Some(&'[')
            && let Some(end) = closing(&chars, i + 1, '[', ']')
        {
            let attribute: String = chars[i + 2..end].iter().collect();
            if is_cfg_test(&attribute) {
                let item_end = item_end(&chars, end + 1);
                let item: String = chars[end + 1..item_end].iter().collect();
                let words: Vec<&str> = item.split_whitespace().collect();
                if let [.., "mod", name] = words.as_slice()
                    && let Some(name) = name.strip_suffix(';')
                {
                    test_children.push(name.to_owned());
                }
                i = item_end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    (out, test_children)
}

fn is_cfg_test(attribute: &str) -> bool {
    let compact: String = attribute.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(predicate) = compact
        .strip_prefix("cfg(")
        .and_then(|p| p.strip_suffix(')'))
    else {
        return false;
    };
    predicate == "test"
        || predicate
            .strip_prefix("all(")
            .is_some_and(|all| all.trim_end_matches(')').split(',').any(|p| p == "test"))
}

/// The index of the bracket closing the one at `open`.
fn closing(chars: &[char], open: usize, left: char, right: char) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in chars.iter().enumerate().skip(open) {
        if *c == left {
            depth += 1;
        } else if *c == right {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Where the item starting at `from` ends: after its `;`, or after its body's closing brace
/// (further attributes come first).
fn item_end(chars: &[char], from: usize) -> usize {
    let mut depth = 0i32;
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ';' if depth == 0 => return i + 1,
            '{' if depth == 0 => {
                return closing(chars, i, '{', '}').map_or(chars.len(), |end| end + 1);
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// Comments removed, string and character literals emptied; lifetimes kept.
fn strip_literals(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let at = |k: usize| c.get(i + k).copied().unwrap_or('\0');
        if at(0) == '/' && at(1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at(0) == '/' && at(1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if at(0) == 'r'
            && (at(1) == '"' || at(1) == '#')
            && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2]))))
        {
            // A raw string: r"..." or r#"..."# (any number of #).
            let hashes = (1..).take_while(|k| at(*k) == '#').count();
            if at(1 + hashes) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if at(0) == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if at(0) == '\'' && (at(1) == '\\' || at(2) == '\'') {
            // A character literal ('x', '\n', '\u{7f}', '\''); a lifetime has no closing quote.
            i += if at(1) == '\\' { 3 } else { 2 };
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Every `crate::` and `super::` path in `code` (of `module`), as a path from the crate root.
pub(super) fn paths(code: &str, module: &Module) -> Vec<Module> {
    let tokens = tokens(code);
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_path = i > 0 && matches!(tokens[i - 1].as_str(), "::" | "$");
        if after_path || tokens.get(i + 1).map(String::as_str) != Some("::") {
            continue;
        }
        let (root, from) = match t.as_str() {
            "crate" => (Vec::new(), i + 2),
            "super" => {
                let mut ups = 1;
                while tokens.get(i + 2 * ups).map(String::as_str) == Some("super")
                    && tokens.get(i + 2 * ups + 1).map(String::as_str) == Some("::")
                {
                    ups += 1;
                }
                (
                    module[..module.len().saturating_sub(ups)].to_vec(),
                    i + 2 * ups,
                )
            }
            _ => continue,
        };
        tree(&tokens, from, root, &mut out);
    }
    out
}

/// The paths of the use tree at `at` (`a::b`, `a::{b, c::d}`, `a::*`), each after `prefix`.
/// Returns where the tree ends.
fn tree(tokens: &[String], mut at: usize, mut prefix: Module, out: &mut Vec<Module>) -> usize {
    loop {
        match tokens.get(at).map(String::as_str) {
            Some("{") => {
                at += 1;
                while tokens.get(at).is_some_and(|t| t != "}") {
                    at = tree(tokens, at, prefix.clone(), out);
                    if tokens.get(at).map(String::as_str) == Some(",") {
                        at += 1;
                    }
                }
                return at + 1;
            }
            Some(word) if word.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                if word != "self" {
                    prefix.push(word.to_owned());
                }
                at += 1;
                if tokens.get(at).map(String::as_str) == Some("::") {
                    at += 1;
                    continue;
                }
                if tokens.get(at).map(String::as_str) == Some("as") {
                    at += 2;
                }
                out.push(prefix);
                return at;
            }
            _ => {
                // `*`, or something that is no path: what was read so far.
                out.push(prefix);
                return at + 1;
            }
        }
    }
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = String::from(c);
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                word.push(n);
                chars.next();
            }
            out.push(word);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.push("::".into());
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The extraction itself, on a made-up file: what it must find and what it must not.
    #[test]
    fn imports_are_read_like_the_compiler_reads_them() {
        let text = r##"
use crate::{a, b::{c::D, self}, e as f};
use super::sibling::Thing;
pub(crate) fn g(x: [u8; 3]) -> crate::h::T { let _ = '{'; let _ = 'x'; todo!() }
fn l<'a>(s: &'a str) -> &'a str { s } // crate::commented
/* crate::block /* nested */ crate::still_comment */
const S: &str = "crate::in_a_string \" crate::still";
const R: &str = r#"crate::raw "# ;
#[cfg(test)]
mod tests { use crate::only_tests; }
#[cfg(test)]
mod more_tests;
#[cfg(all(test, unix))]
fn helper(x: [u8; 2]) { crate::test_helper(); }
impl X { fn m(&self) { crate::after::y(); super::super::up::z(); } }
"##;
        let (code, test_children) = code(text);
        assert_eq!(test_children, ["more_tests"]);
        let here: Module = vec!["top".into(), "sub".into()];
        let found: BTreeSet<String> = paths(&code, &here)
            .into_iter()
            .map(|p| p.join("::"))
            .collect();
        let want = [
            "a",
            "b::c::D",
            "b",
            "e",
            "top::sibling::Thing",
            "h::T",
            "after::y",
            "up::z",
        ];
        assert_eq!(found, want.iter().map(|s| s.to_string()).collect());
    }
}
