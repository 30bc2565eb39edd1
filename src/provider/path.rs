//! The repository part of a URL path, per kind: what `--repo` scopes compare against.

use super::{Instance, Kind};

/// The repository path of `path` (as git sends it, without leading slash) on `instance`:
/// `owner/repo` on GitHub, `group/sub/project` on GitLab, `PROJECT/repo` on Bitbucket Data
/// Center, `org/project/repo` on Azure DevOps, `repo` on CodeCommit. `.git` is dropped.
pub fn repo_path(instance: &Instance, path: &str) -> String {
    let mut rest = path.trim_matches('/');
    for prefix in [&instance.path_prefix, &instance.virtual_directory]
        .into_iter()
        .flatten()
    {
        rest = strip_segments(rest, prefix.trim_matches('/')).unwrap_or(rest);
    }
    let mut segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match instance.kind {
        Kind::BitbucketServer => {
            if let Some(i) = segments.iter().position(|s| *s == "scm") {
                segments.drain(..=i);
            }
        }
        Kind::AzureDevOps | Kind::AzureDevOpsServer => segments.retain(|s| *s != "_git"),
        Kind::AwsCodeCommit if segments.starts_with(&["v1", "repos"]) => {
            segments.drain(..2);
        }
        Kind::Gerrit if segments.first() == Some(&"a") => {
            segments.remove(0);
        }
        _ => {}
    }
    if let Some(last) = segments.last_mut() {
        *last = last.strip_suffix(".git").unwrap_or(last);
    }
    segments.join("/")
}

/// `rest` with the leading segments `prefix` removed, when it starts with them.
pub fn strip_segments<'a>(rest: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return Some(rest);
    }
    let tail = rest.strip_prefix(prefix)?;
    if tail.is_empty() {
        Some(tail)
    } else {
        tail.strip_prefix('/')
    }
}

/// Whether repository scope `scope` covers `repo` (a scope may name a group: `group` covers
/// `group/project`). Case-insensitive, whole segments.
pub fn scope_covers(scope: &str, repo: &str) -> bool {
    let scope: Vec<&str> = scope.trim_matches('/').split('/').collect();
    let repo: Vec<&str> = repo.split('/').collect();
    scope.len() <= repo.len()
        && scope
            .iter()
            .zip(&repo)
            .all(|(s, r)| s.eq_ignore_ascii_case(r))
}

/// Every scope that can cover `repo`, as `repo`'s leading whole segments: `a`, `a/b`, `a/b/c`
/// for `a/b/c`. A scope covers `repo` exactly when it equals one of these, compared as
/// [`scope_covers`] compares (case-insensitive, outer slashes ignored): what lets `get` read
/// only the store buckets of those scopes.
pub fn covering_scopes(repo: &str) -> impl Iterator<Item = &str> {
    repo.match_indices('/')
        .map(|(i, _)| &repo[..i])
        .chain(std::iter::once(repo))
}

/// The owner of repository `repo` on a `kind` instance: what a person's pick among equal
/// accounts is remembered for. GitLab's groups nest, so there it is the namespace (every
/// segment but the project); elsewhere the first segment (a GitHub user or organization, an
/// Azure DevOps organization, a Bitbucket workspace or project). `None` for an empty path.
pub fn owner_of(kind: Kind, repo: &str) -> Option<&str> {
    let repo = repo.trim_matches('/');
    if repo.is_empty() {
        return None;
    }
    let cut = match kind.family() {
        super::Family::GitLab => repo.rfind('/'),
        _ => repo.find('/'),
    };
    Some(cut.map_or(repo, |i| &repo[..i]))
}

/// Whether a remembered owner covers `repo`: `""` stands for every repository.
pub fn owner_covers(owner: &str, repo: Option<&str>) -> bool {
    owner.is_empty() || repo.is_some_and(|repo| scope_covers(owner, repo))
}

/// The number of path segments a scope names: more is more specific.
pub fn scope_depth(scope: &str) -> usize {
    scope
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::builtin_instances;

    fn instance(kind: Kind) -> Instance {
        let mut i = builtin_instances()[0].clone();
        i.kind = kind;
        i
    }

    #[test]
    fn repo_paths_per_kind() {
        let table = [
            (Kind::GitHub, "o/r.git", "o/r"),
            (Kind::GitLab, "group/sub/project.git", "group/sub/project"),
            (Kind::BitbucketServer, "scm/PROJ/r.git", "PROJ/r"),
            (
                Kind::BitbucketServer,
                "bitbucket/scm/~alice/r.git",
                "~alice/r",
            ),
            (Kind::AzureDevOps, "org/p/_git/r", "org/p/r"),
            (Kind::AwsCodeCommit, "v1/repos/r", "r"),
            (Kind::Gerrit, "a/platform/build", "platform/build"),
        ];
        for (kind, path, repo) in table {
            assert_eq!(repo_path(&instance(kind), path), repo, "{kind:?} {path}");
        }
        let mut server = instance(Kind::AzureDevOpsServer);
        server.virtual_directory = Some("/tfs".into());
        assert_eq!(repo_path(&server, "tfs/coll/p/_git/r"), "coll/p/r");
        let mut prefixed = instance(Kind::GitLabSelfManaged);
        prefixed.path_prefix = Some("/team-a".into());
        assert_eq!(repo_path(&prefixed, "team-a/g/p.git"), "g/p");
    }

    #[test]
    fn owners_are_the_namespace_on_gitlab_and_the_first_segment_elsewhere() {
        assert_eq!(owner_of(Kind::GitHub, "acme/app"), Some("acme"));
        assert_eq!(
            owner_of(Kind::GitLab, "group/sub/project"),
            Some("group/sub")
        );
        assert_eq!(owner_of(Kind::GitLabSelfManaged, "solo"), Some("solo"));
        assert_eq!(owner_of(Kind::AzureDevOps, "org/p/r"), Some("org"));
        assert_eq!(owner_of(Kind::GitHub, ""), None);
        assert!(owner_covers("", None) && owner_covers("", Some("x/y")));
        assert!(owner_covers("ACME", Some("acme/app")));
        assert!(!owner_covers("acme", Some("acme-corp/app")) && !owner_covers("acme", None));
    }

    #[test]
    fn scopes_cover_whole_segments() {
        assert!(scope_covers("group/project", "group/project"));
        assert!(scope_covers("Group", "group/project"));
        assert!(!scope_covers("group/proj", "group/project"));
        assert!(!scope_covers("group/project/x", "group/project"));
        assert_eq!(scope_depth("/group/project/"), 2);
        assert_eq!(strip_segments("team-a/x", "team-a"), Some("x"));
        assert_eq!(strip_segments("team-ab/x", "team-a"), None);
    }

    /// `get` reads only the buckets of [`covering_scopes`], hashed by the store's `scope_key`:
    /// a scope that covers a repository must be among them, and one that does not, not.
    #[test]
    fn covering_scopes_are_exactly_what_scope_covers_accepts() {
        use crate::store::format::v2::scope_key;
        let scopes = [
            "group",
            "Group",
            "/group/",
            "group/project",
            "GROUP/Project/",
            "group/proj",
            "group/project/x",
            "group//project",
            "other",
            "",
            "/",
            "g",
            "group/sub",
        ];
        let repos = [
            "group/project",
            "Group/Sub/project",
            "group",
            "g/project",
            "",
            "x",
        ];
        for repo in repos {
            let keys: Vec<Vec<u8>> = covering_scopes(repo)
                .map(|p| scope_key(p.as_bytes()))
                .collect();
            for scope in scopes {
                assert_eq!(
                    keys.contains(&scope_key(scope.as_bytes())),
                    scope_covers(scope, repo),
                    "scope {scope:?} on {repo:?}"
                );
            }
        }
        assert_eq!(
            covering_scopes("a/b/c").collect::<Vec<_>>(),
            ["a", "a/b", "a/b/c"]
        );
    }
}
