//! What `get` reads of the store: the stored credentials that can answer a request, reading
//! only the store buckets that can hold them.

use crate::credential::{Credential, GENERIC, Query};
use crate::keysource::DataKey;
use crate::provider::Family;
use crate::provider::path::covering_scopes;
use crate::resolve::{self, Lookup, Target};
use crate::store::format::View;
use crate::store::format::v2::{has_scope_key, scope_key};
use crate::store::{Error, Store, Wanted};

/// The credentials of `lookup`'s instances that can answer `target` (unscoped, or scoped to a
/// repository or group that covers it), and the generic ones `query` selects by git's rule,
/// in stored order; and the store's data key (`None` without a store), which also opens the
/// minted tokens' cache.
pub fn read(
    store: &Store,
    lookup: &Lookup<'_>,
    target: &Target<'_>,
    query: &Query<'_>,
) -> Result<(Vec<Credential>, Option<DataKey>), Error> {
    let names: Vec<&[u8]> = lookup.names().map(str::as_bytes).collect();
    let repositories = resolve::scope_targets(lookup, target);
    let scopes: Vec<(&[u8], &[u8])> = repositories
        .iter()
        .flat_map(|(name, repo)| {
            covering_scopes(repo).map(move |scope| (name.as_bytes(), scope.as_bytes()))
        })
        .collect();
    // Normalized once here, not for every stored entry `keep` looks at.
    let scope_keys: Vec<(&[u8], Vec<u8>)> =
        scopes.iter().map(|&(p, s)| (p, scope_key(s))).collect();
    // Only the buckets that can hold what `keep` selects are read.
    let wanted = Wanted {
        protocol: query.protocol,
        host: query.host,
        providers: &names,
        scopes: &scopes,
    };
    // On Azure DevOps the URL user is an account only if some credential of the instance
    // names it, whatever its scope: then every credential is read.
    let every_scope = target.username.is_some()
        && lookup
            .matched
            .first()
            .is_some_and(|m| m.instance.kind.family() == Family::Azure);
    let keep = |view: &View<'_>| {
        let provider = view.provider();
        if provider.is_empty() || provider == GENERIC.as_bytes() {
            return query.selects(&view.query());
        }
        names.contains(&provider)
            && (every_scope
                || view.scope().is_none_or(|scope| {
                    scope_keys
                        .iter()
                        .any(|(p, key)| *p == provider && has_scope_key(scope, key))
                }))
    };
    if every_scope {
        store.select_keyed(keep)
    } else {
        store.select_wanted_keyed(&wanted, keep)
    }
}
