use super::reference::CONFIG_KEYS;
use super::*;

fn page() -> String {
    String::from_utf8(render()).unwrap()
}

#[test]
fn the_page_has_every_section_and_every_command_with_its_options_and_example() {
    let page = page();
    for title in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH COMMANDS",
        ".SH OPTIONS",
        ".SH \"WHICH CREDENTIAL ANSWERS\"",
        ".SH CONFIGURATION",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
        ".SH \"SEE ALSO\"",
    ] {
        assert!(page.contains(title), "{title}");
    }
    let cmd = super::super::help::command();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        assert!(
            page.contains(&format!(".B \"git credential\\-vouch {}", text(name))),
            "{name}"
        );
    }
    for option in [
        "\\-\\-username USERNAME",
        "\\-\\-at\\-provider",
        "\\-\\-oauth\\-client\\-secret\\-stdin",
    ] {
        assert!(page.contains(option), "{option}");
    }
    assert!(page.matches("Example:").count() >= 25);
    // No page that does not exist, no Markdown left.
    assert!(!page.contains("git\\-credential\\-vouch\\-add(1)") && !page.contains("-add(1)"));
    for artefact in ["**", "](", "`"] {
        assert!(!page.contains(artefact), "{artefact:?} left in the page");
    }
}

/// The keys the config parser accepts in a table, from its own error for an unknown key.
fn accepted(table_prefix: &str, table_body: &str) -> Vec<String> {
    let text = format!("{table_prefix}{table_body}no_such_key_xyz = 1\n");
    let err = crate::config::Config::parse(&text, std::path::Path::new("t.toml"))
        .expect_err("an unknown key is refused")
        .to_string();
    let list = err
        .split("expected one of")
        .nth(1)
        .unwrap_or_else(|| panic!("{err}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_configuration_section_names_exactly_the_keys_the_parser_accepts() {
    for (table, prefix, body) in [
        ("", "", ""),
        (
            "[[provider]]",
            "[[provider]]\n",
            "name = \"x\"\nkind = \"gitea\"\nhosts = [\"x.example\"]\n",
        ),
        ("[openbao]", "[openbao]\n", ""),
    ] {
        let mut documented: Vec<String> = CONFIG_KEYS
            .iter()
            .filter(|(t, _, _)| *t == table)
            .map(|(_, k, _)| k.to_string())
            .collect();
        let mut accepted = accepted(prefix, body);
        documented.sort();
        accepted.sort();
        if table.is_empty() {
            // The tables themselves are keys of the top level.
            accepted.retain(|k| k != "provider" && k != "openbao");
        }
        assert_eq!(documented, accepted, "table {table:?}");
    }
}
