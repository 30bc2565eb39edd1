//! Configured URLs, checked without asking the network: `https://host[...]`, or plain
//! `http://` to this machine only (anything else would send a client secret or a token in clear
//! text). The config (`issuer_url`, `api_url`, `[openbao] address`), OAuth discovery and the
//! HTTP client all use these rules.

use ureq::http::Uri;

/// Whether `host` (as in a URL, IPv6 in brackets) is this machine.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// Check a configured URL (`field` names it in errors): `https://host[...]`, or `http://` to a
/// loopback host. Returns it without a trailing slash.
pub fn check_url(field: &str, url: &str) -> Result<String, String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| format!("{field}: `{url}` is not a URL"))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("{field}: `{url}` has no host"))?;
    if uri.query().is_some() || url.contains('#') || url.contains('@') {
        return Err(format!(
            "{field}: `{url}` must not carry a query, fragment or user"
        ));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(host) => {}
        Some("http") => {
            return Err(format!(
                "{field}: `{url}` is plain http to a host that is not loopback; use https"
            ));
        }
        _ => return Err(format!("{field}: `{url}` is not an https URL")),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The `host[:port]` of `url`, or `url` itself when it has none: what an error names.
pub fn host_of(url: &str) -> String {
    url.parse::<Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://gitlab.example/",
            "http://127.0.0.1:8080",
            "http://127.1.2.3/x",
            "http://localhost:9",
            "http://[::1]:80/",
        ] {
            assert!(check_url("issuer_url", ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_url("issuer_url", "https://gitlab.example/").unwrap(),
            "https://gitlab.example"
        );
        for bad in [
            "http://gitlab.example",
            "http://10.0.0.1",
            "ftp://x",
            "gitlab.example",
            "https://u@h",
            "https://h/?a=b",
        ] {
            let e = check_url("issuer_url", bad).unwrap_err();
            assert!(e.starts_with("issuer_url:"), "{e}");
        }
    }
}
