use gix_credentials::protocol::{Context, ContextOptions};
use zeroize::Zeroizing;

use super::{Error, MAX_LINE, MAX_REQUEST};
use crate::credential::{Query, normalize_host};
use crate::secret::Secret;
use crate::term::escape;

/// A validated request from git.
#[derive(Debug, Default)]
pub struct Request {
    pub protocol: String,
    /// Lowercased.
    pub host: String,
    pub path: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub password_expiry_utc: Option<i64>,
    pub oauth_refresh_token: Option<Secret>,
    /// git offered `capability[]=authtype`: authtype, credential and ephemeral are in play.
    pub capability_authtype: bool,
    pub authtype: Option<String>,
    pub credential: Option<Secret>,
    pub ephemeral: bool,
}

impl Request {
    pub fn target(&self) -> crate::resolve::Target<'_> {
        crate::resolve::Target {
            protocol: &self.protocol,
            host: &self.host,
            path: self.path.as_deref(),
            username: self.username.as_deref(),
            capability_authtype: self.capability_authtype,
        }
    }

    /// Where git was going, without userinfo: recorded when a token is rejected.
    pub fn url(&self) -> String {
        let path = self
            .path
            .as_deref()
            .map(|p| format!("/{}", p.trim_start_matches('/')))
            .unwrap_or_default();
        format!("{}://{}{}", self.protocol, self.host, path)
    }

    pub fn query(&self) -> Query<'_> {
        Query::new(
            &self.protocol,
            &self.host,
            self.path.as_deref(),
            self.username.as_deref(),
        )
    }
}

/// The fields gix-credentials does not read, gathered during the hardening pass.
#[derive(Default)]
struct Extras {
    capabilities: Vec<String>,
    authtype: Option<String>,
    credential: Option<Secret>,
    ephemeral: bool,
    has_host: bool,
}

/// Parse and validate git's request. Any violation rejects the whole request.
pub fn parse_request(input: &[u8]) -> Result<Request, Error> {
    if input.len() > MAX_REQUEST {
        return Err(Error::Invalid(format!(
            "request larger than {MAX_REQUEST} bytes"
        )));
    }
    let (checked, extras) = harden(input)?;
    let mut ctx = Context::from_bytes(checked, ContextOptions::default())
        // Every input gix refuses was refused above; its messages may quote values, so never
        // pass them on.
        .map_err(|_| Error::Invalid("malformed request".into()))?;
    into_request(&mut ctx, extras)
}

/// Check every line of the request and collect the extra fields. Returns the part of the input
/// that forms the request (up to a blank line or EOF).
fn harden(input: &[u8]) -> Result<(&[u8], Extras), Error> {
    let mut extras = Extras::default();
    let mut consumed = 0;
    let mut number = 0;
    let mut rest = input;
    while !rest.is_empty() {
        number += 1;
        let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            break;
        }
        consumed += rest.len() - next.len();
        rest = next;
        if line.len() > MAX_LINE {
            return Err(invalid(number, format!("longer than {MAX_LINE} bytes")));
        }
        if line.contains(&b'\r') {
            return Err(invalid(number, "carriage return inside the line".into()));
        }
        if line.contains(&0) {
            return Err(invalid(number, "NUL byte".into()));
        }
        let line =
            std::str::from_utf8(line).map_err(|_| invalid(number, "not valid UTF-8".into()))?;
        let Some((key, value)) = line.split_once('=') else {
            return Err(invalid(number, "no '=' (expected key=value)".into()));
        };
        collect_extra(&mut extras, key, value, number)?;
    }
    Ok((&input[..consumed], extras))
}

fn collect_extra(extras: &mut Extras, key: &str, value: &str, number: usize) -> Result<(), Error> {
    match key {
        // git resolves url= itself and never sends it to helpers; a request carrying one is
        // trying to re-target the lookup.
        "url" => return Err(invalid(number, "'url' is not accepted from git".into())),
        "host" => extras.has_host = true,
        "capability[]" if value.is_empty() => extras.capabilities.clear(),
        "capability[]" => extras.capabilities.push(value.to_owned()),
        "authtype" => extras.authtype = Some(value.to_owned()),
        "credential" => extras.credential = Some(Secret::new(value.to_owned())),
        "ephemeral" => extras.ephemeral = is_true(value),
        // state[] is ours to set; we keep no state between calls, so nothing to read back.
        _ => {}
    }
    Ok(())
}

fn is_true(value: &str) -> bool {
    ["1", "true", "yes", "on"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
}

/// `name[:port]` or `[v6][:port]`: a `:` must be followed by a port number. `github.com:`
/// would otherwise be a second spelling of a host, with credentials of its own.
fn port_is_valid(host: &str) -> bool {
    let after_name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((_, after)) => after,
            None => return false,
        },
        None => host.find(':').map_or("", |i| &host[i..]),
    };
    match after_name.strip_prefix(':') {
        None => after_name.is_empty(),
        Some(port) => {
            !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p != 0)
        }
    }
}

fn into_request(ctx: &mut Context, extras: Extras) -> Result<Request, Error> {
    // Take the secrets out of gix's plain Strings into zeroizing ones at once.
    let password = ctx.password.take().map(Secret::new);
    let oauth_refresh_token = ctx.oauth_refresh_token.take().map(Secret::new);
    let protocol = match ctx.protocol.take() {
        Some(p) if !p.is_empty() => p,
        _ => return Err(Error::Invalid("missing 'protocol'".into())),
    };
    let host = match ctx.host.take() {
        Some(h) if extras.has_host => h,
        _ => return Err(Error::Invalid("missing 'host'".into())),
    };
    if host.is_empty() && matches!(protocol.as_str(), "http" | "https") {
        return Err(Error::Invalid(format!("empty 'host' for {protocol}")));
    }
    if !port_is_valid(&host) {
        return Err(Error::Invalid(
            "'host' has an empty or invalid port after ':'".into(),
        ));
    }
    let path = match ctx.path.take() {
        // Validated as UTF-8 line by line above.
        Some(p) => Some(
            String::from_utf8(p.into())
                .map_err(|_| Error::Invalid("'path' is not valid UTF-8".into()))?,
        ),
        None => None,
    };
    let capability_authtype = extras.capabilities.iter().any(|c| c == "authtype");
    let (authtype, credential, ephemeral) = if capability_authtype {
        (extras.authtype, extras.credential, extras.ephemeral)
    } else {
        (None, None, false)
    };
    Ok(Request {
        host: normalize_host(&host),
        protocol,
        path,
        username: ctx.username.take(),
        password,
        password_expiry_utc: ctx.password_expiry_utc,
        oauth_refresh_token,
        capability_authtype,
        authtype,
        credential,
        ephemeral,
    })
}

fn invalid(line: usize, what: String) -> Error {
    Error::Invalid(format!("line {line}: {}", escape(&what)))
}

/// Read all of stdin into memory that is wiped afterwards (it may hold a password).
pub fn read_stdin() -> std::io::Result<Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let mut buf = Zeroizing::new(Vec::with_capacity(1024));
    std::io::stdin()
        .lock()
        .take(MAX_REQUEST as u64 + 1)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Request {
        parse_request(input.as_bytes()).expect("valid request")
    }

    fn rejected(input: &[u8]) -> String {
        match parse_request(input) {
            Err(Error::Invalid(reason)) => reason,
            Ok(_) => panic!("request was accepted"),
        }
    }

    #[test]
    fn reads_all_fields() {
        let r = ok(
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nephemeral=1\n\
                    protocol=https\nhost=Example.COM:8443\npath=o/r.git\nusername=alice\n\
                    password=pw\npassword_expiry_utc=1700000000\noauth_refresh_token=rt\n\
                    wwwauth[]=Basic realm=x\nstate[]=vouch:1\nunknown=ignored\n",
        );
        assert_eq!(r.protocol, "https");
        assert_eq!(r.host, "example.com:8443");
        assert_eq!(r.path.as_deref(), Some("o/r.git"));
        assert_eq!(r.username.as_deref(), Some("alice"));
        assert_eq!(r.password.as_ref().map(Secret::expose), Some("pw"));
        assert_eq!(r.password_expiry_utc, Some(1_700_000_000));
        assert_eq!(
            r.oauth_refresh_token.as_ref().map(Secret::expose),
            Some("rt")
        );
        assert!(r.capability_authtype);
        assert_eq!(r.authtype.as_deref(), Some("Bearer"));
        assert_eq!(r.credential.as_ref().map(Secret::expose), Some("tok"));
        assert!(r.ephemeral);
    }

    #[test]
    fn gated_fields_need_the_capability() {
        let r = ok("authtype=Bearer\ncredential=tok\nephemeral=1\nprotocol=https\nhost=a\n");
        assert!(!r.capability_authtype);
        assert!(r.authtype.is_none() && r.credential.is_none() && !r.ephemeral);
        let reset = ok("capability[]=authtype\ncapability[]=\nprotocol=https\nhost=a\n");
        assert!(!reset.capability_authtype);
    }

    #[test]
    fn crlf_is_stripped_once_and_blank_line_ends_the_request() {
        let r = ok("protocol=https\r\nhost=a\r\n\r\nhost=b\n");
        assert_eq!(r.host, "a");
    }

    #[test]
    fn empty_values_are_values() {
        let r = ok("protocol=https\nhost=a\nusername=\npassword=\n");
        assert_eq!(r.username.as_deref(), Some(""));
        assert_eq!(r.password.as_ref().map(Secret::expose), Some(""));
    }

    #[test]
    fn hardening_rejects() {
        assert!(rejected(b"protocol=https\nhost=a\rb\n").contains("carriage return"));
        assert!(rejected(b"protocol=https\nhost=a\r\r\n").contains("carriage return"));
        assert!(rejected(b"protocol=https\nhost=a\0b\n").contains("NUL"));
        assert!(rejected(b"protocol=https\nhost\n").contains("'='"));
        assert!(rejected(b"protocol=https\nhost=\xff\n").contains("UTF-8"));
        assert!(rejected(b"protocol=https\nhost=a\npassword=\xc3\n").contains("UTF-8"));
        assert!(rejected(b"url=https://a/\n").contains("url"));
        assert!(rejected(b"host=a\n").contains("protocol"));
        assert!(rejected(b"protocol=https\n").contains("host"));
        assert!(rejected(b"protocol=https\nhost=\n").contains("host"));
        for bad in [
            "github.com:",
            "a:b",
            "a:0",
            "a:1:2",
            "a:99999",
            "[::1]:",
            "[::1",
            "a:+1",
        ] {
            let input = format!("protocol=https\nhost={bad}\n");
            assert!(rejected(input.as_bytes()).contains("port"), "{bad}");
        }
        for good in ["a:1", "a:65535", "[::1]", "[::1]:8080", "a.b-c"] {
            ok(&format!("protocol=https\nhost={good}\n"));
        }
        let long = format!("protocol=https\nhost=a\nwwwauth[]={}\n", "x".repeat(70_000));
        assert!(rejected(long.as_bytes()).contains("longer than"));
    }

    #[test]
    fn rejection_never_quotes_a_value() {
        let reason = rejected(b"protocol=https\nhost=a\npassword=hunter2\rX\n");
        assert!(!reason.contains("hunter2"), "{reason}");
    }

    #[test]
    fn a_long_line_is_read_whole() {
        // A 1 KiB wwwauth[] whose tail looks like a host line must stay inside wwwauth[].
        let pad = "A".repeat(1024 - "wwwauth[]=".len());
        let input = format!(
            "protocol=https\nhost=attacker.example\nwwwauth[]={pad}host=victim.example.com\n"
        );
        assert_eq!(ok(&input).host, "attacker.example");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_accepted_values_are_clean(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
        ) {
            if let Ok(r) = parse_request(&bytes) {
                for v in [Some(&r.protocol), Some(&r.host), r.path.as_ref(), r.username.as_ref()].into_iter().flatten() {
                    proptest::prop_assert!(!v.contains(['\n', '\r', '\0']));
                }
            }
        }

        #[test]
        fn well_formed_requests_round_trip(
            host in "[a-z0-9.-]{1,30}(:[1-9][0-9]{0,3})?",
            user in "[^\n\r\x00]{0,20}",
            pass in "[^\n\r\x00]{0,40}",
        ) {
            let input = format!("protocol=https\nhost={host}\nusername={user}\npassword={pass}\n");
            let r = parse_request(input.as_bytes()).unwrap();
            proptest::prop_assert_eq!(r.host, host);
            proptest::prop_assert_eq!(r.username.as_deref(), Some(user.as_str()));
            proptest::prop_assert_eq!(r.password.as_ref().map(Secret::expose), Some(pass.as_str()));
        }
    }

    #[test]
    fn line_at_the_limit_is_accepted() {
        let value = "x".repeat(MAX_LINE - "wwwauth[]=".len());
        ok(&format!("protocol=https\nhost=a\nwwwauth[]={value}\n"));
    }
}
