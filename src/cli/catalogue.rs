//! `providers`: the catalogue of kinds, built-in instances and token kinds, and the
//! configured instances.

use serde_json::{Value, json};

use super::Context;
use crate::error::Error;
use crate::provider::Kind;
use crate::term::escape;

pub fn providers(ctx: &Context, as_json: bool) -> Result<(), Error> {
    let config = ctx.config()?;
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|&k| {
            let builtin_hosts: Vec<&str> = config
                .instances
                .iter()
                .filter(|i| i.builtin && i.kind == k)
                .flat_map(|i| i.hosts.iter().map(|h| h.as_str()))
                .collect();
            json!({
                "kind": k.name(),
                "aliases": k.aliases(),
                "builtin_hosts": builtin_hosts,
                "identity": k.identity().describe(),
                "needs_path": k.needs_path(),
                "path_shape": k.path_shape(),
                "token_kinds": k.token_kinds().iter().map(|t| json!({
                    "name": t.name(),
                    "id": t.id(),
                    "prefix": t.prefix(),
                    "username": t.describe_username(),
                    "bearer": t.is_bearer(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let instances: Vec<Value> = config.instances.iter().map(instance_json).collect();
    if as_json {
        println!(
            "{}",
            json!({ "version": 1, "kinds": kinds, "instances": instances })
        );
        return Ok(());
    }
    let mut out = String::new();
    for k in &kinds {
        let aliases = strings(&k["aliases"]);
        out += &format!(
            "{}{}\n",
            k["kind"].as_str().unwrap_or(""),
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" (also: {})", aliases.join(", "))
            }
        );
        let hosts = strings(&k["builtin_hosts"]);
        out += &format!(
            "  built-in hosts: {}\n",
            if hosts.is_empty() {
                "none (configure an instance)".into()
            } else {
                hosts.join(", ")
            }
        );
        out += &format!(
            "  identity:       {}\n",
            k["identity"].as_str().unwrap_or("")
        );
        out += &format!(
            "  path:           {}{}\n",
            k["path_shape"].as_str().unwrap_or(""),
            if k["needs_path"] == true {
                " (needs credential.useHttpPath)"
            } else {
                ""
            }
        );
        out += "  token kinds:\n";
        for t in k["token_kinds"].as_array().into_iter().flatten() {
            out += &format!(
                "    {:<18} prefix {:<12} username: {}\n",
                t["name"].as_str().unwrap_or(""),
                t["prefix"].as_str().unwrap_or("-"),
                t["username"].as_str().unwrap_or("")
            );
        }
    }
    let configured: Vec<&Value> = instances.iter().filter(|i| i["builtin"] == false).collect();
    if !configured.is_empty() {
        out += "configured instances:\n";
        for i in configured {
            let hosts = strings(&i["hosts"]);
            out += &format!(
                "  {} ({}): {}\n",
                escape(i["name"].as_str().unwrap_or("")),
                i["kind"].as_str().unwrap_or(""),
                escape(&hosts.join(", "))
            );
        }
    }
    print!("{out}");
    Ok(())
}

/// The strings of a JSON array (empty for anything else).
fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// An instance as `providers --json` shows it (`instance list --json` adds its settings).
pub(super) fn instance_json(i: &crate::provider::Instance) -> Value {
    json!({
        "name": i.name,
        "kind": i.kind.name(),
        "hosts": i.hosts.iter().map(|h| h.as_str()).collect::<Vec<_>>(),
        "builtin": i.builtin,
        "path_prefix": i.path_prefix,
        "virtual_directory": i.virtual_directory,
    })
}
