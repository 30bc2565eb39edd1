//! Host patterns, matched as git matches URLs in config: case-insensitive, `*` stands for
//! exactly one whole DNS label, and a port, when the pattern has one, must match.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    labels: Vec<String>,
    port: Option<u16>,
    text: String,
}

impl HostPattern {
    /// `None` for an invalid pattern (empty label, `*` inside a label, bad port).
    pub fn parse(text: &str) -> Option<HostPattern> {
        let lower = text.to_ascii_lowercase();
        let (name, port) = match lower.rsplit_once(':') {
            Some((name, port)) => (name, Some(port.parse::<u16>().ok().filter(|p| *p != 0)?)),
            None => (lower.as_str(), None),
        };
        let labels: Vec<String> = name.split('.').map(str::to_owned).collect();
        let valid_label = |l: &String| {
            !l.is_empty()
                && (l == "*"
                    || (!l.contains('*')
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')))
        };
        if !labels.iter().all(valid_label) {
            return None;
        }
        Some(HostPattern {
            labels,
            port,
            text: lower,
        })
    }

    /// `host` as git sends it: lowercased name with `:port` when not the default.
    pub fn matches(&self, host: &str) -> bool {
        let (name, port) = split_port(host);
        if self.port.is_some() && self.port != port {
            return false;
        }
        // Without a port in the pattern, only the default port matches: "example.com" must not
        // answer for a different service on "example.com:8443".
        if self.port.is_none() && port.is_some() {
            return false;
        }
        let mut labels = name.split('.');
        let all = self.labels.iter().all(|p| {
            labels
                .next()
                .is_some_and(|l| p == "*" || p.eq_ignore_ascii_case(l))
        });
        all && labels.next().is_none()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// No wildcard: the pattern is one host, and its text is that host as git sends it.
    pub fn is_exact(&self) -> bool {
        !self.labels.iter().any(|l| l == "*")
    }

    /// Whether some host matches both patterns: same port, same number of labels, and each
    /// label pair equal or a wildcard on either side. A default port written out (`:443`,
    /// `:80`) is the same service as no port: `github.com:443` overlaps `github.com`.
    pub fn overlaps(&self, other: &HostPattern) -> bool {
        let service = |port: Option<u16>| port.filter(|p| !matches!(p, 80 | 443));
        service(self.port) == service(other.port)
            && self.labels.len() == other.labels.len()
            && self
                .labels
                .iter()
                .zip(&other.labels)
                .all(|(a, b)| a == b || a == "*" || b == "*")
    }

    /// `localhost` or a 127.0.0.0/8 literal: where plain http never leaves the machine.
    /// (IPv6 literals are not host patterns here.)
    pub fn is_loopback(&self) -> bool {
        match self.labels.as_slice() {
            [one] => one == "localhost",
            [a, b, c, d] => a == "127" && [b, c, d].iter().all(|l| l.parse::<u8>().is_ok()),
            _ => false,
        }
    }
}

fn split_port(host: &str) -> (&str, Option<u16>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(']') || name.ends_with(']') => {
            (name, port.parse().ok())
        }
        _ => (host, None),
    }
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::HostPattern;

    #[test]
    fn a_default_port_written_out_overlaps_the_port_less_pattern() {
        let p = |t: &str| HostPattern::parse(t).unwrap();
        assert!(p("github.com:443").overlaps(&p("github.com")));
        assert!(p("github.com").overlaps(&p("github.com:80")));
        assert!(p("*.ghe.com:443").overlaps(&p("acme.ghe.com")));
        assert!(!p("github.com:8443").overlaps(&p("github.com")));
    }

    fn m(pattern: &str, host: &str) -> bool {
        HostPattern::parse(pattern).expect(pattern).matches(host)
    }

    #[test]
    fn exact_and_case_insensitive() {
        assert!(m("github.com", "github.com"));
        assert!(m("GitHub.COM", "github.com"));
        assert!(m("github.com", "GITHUB.com"));
        assert!(!m("github.com", "evilgithub.com"));
        assert!(!m("github.com", "github.com.evil.org"));
        assert!(!m("github.com", "api.github.com"));
    }

    #[test]
    fn wildcard_is_one_whole_label() {
        assert!(m("*.ghe.com", "acme.ghe.com"));
        assert!(!m("*.ghe.com", "a.b.ghe.com"));
        assert!(!m("*.ghe.com", "ghe.com"));
        assert!(m(
            "git-codecommit.*.amazonaws.com",
            "git-codecommit.eu-west-1.amazonaws.com"
        ));
        assert!(!m(
            "git-codecommit.*.amazonaws.com",
            "git-codecommit.amazonaws.com"
        ));
        assert!(
            HostPattern::parse("a*.example.com").is_none(),
            "partial-label wildcards are refused"
        );
        assert!(HostPattern::parse("a..example.com").is_none());
    }

    #[test]
    fn ports() {
        assert!(m("git.corp.example:8443", "git.corp.example:8443"));
        assert!(!m("git.corp.example:8443", "git.corp.example"));
        assert!(!m("git.corp.example:8443", "git.corp.example:9443"));
        assert!(!m("git.corp.example", "git.corp.example:8443"));
        assert!(m("127.0.0.1:7990", "127.0.0.1:7990"));
        assert!(HostPattern::parse("host:http").is_none());
        assert!(HostPattern::parse("host:0").is_none());
        assert!(HostPattern::parse("host:").is_none());
    }

    #[test]
    fn overlap_exactness_and_loopback() {
        let p = |t: &str| HostPattern::parse(t).unwrap();
        assert!(p("github.com").overlaps(&p("GitHub.com")));
        assert!(p("*.com").overlaps(&p("github.com")));
        assert!(p("*.ghe.com").overlaps(&p("acme.*.com")));
        assert!(!p("github.com").overlaps(&p("github.com:8443")));
        assert!(!p("*.github.com").overlaps(&p("github.com")));
        assert!(p("github.com").is_exact() && !p("*.ghe.com").is_exact());
        assert!(p("127.0.0.1:8080").is_loopback() && p("localhost").is_loopback());
        assert!(!p("127.example.com.x").is_loopback() && !p("10.0.0.1").is_loopback());
    }
}
