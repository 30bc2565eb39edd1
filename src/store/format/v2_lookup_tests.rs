//! The v2 format's bucket lookup: `get` reads the buckets a request hashes to and answers
//! exactly what a full decode does, also for many repository-scoped tokens of one instance.

use super::tests::{header, sample};
use super::v2::{self, Slot, bucket_count, table_len};
use super::v2_tests::*;
use super::*;
use crate::credential::{GENERIC, Query};
use crate::secret::Secret;
use proptest::prelude::*;

#[test]
fn bucket_count_grows_with_the_entries() {
    assert_eq!(bucket_count(0), 1);
    assert_eq!(bucket_count(32), 1);
    assert_eq!(bucket_count(33), 2);
    assert_eq!(bucket_count(100_000), 3125);
}

/// `get`'s selection in helper.rs: generic entries by git's rule, provider ones by name.
fn get_keep<'q>(query: &'q Query<'q>, names: &'q [&'q [u8]]) -> impl Fn(&View<'_>) -> bool + 'q {
    move |view: &View<'_>| {
        let provider = view.provider();
        if provider.is_empty() || provider == GENERIC.as_bytes() {
            query.selects(&view.query())
        } else {
            names.contains(&provider)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Few hosts and providers over many entries: hosts share buckets and buckets hold many
    /// hosts; the lookup must answer what the full decode answers, in the same order.
    #[test]
    fn lookup_answers_what_a_full_decode_does(
        stored in proptest::collection::vec((0..12u8, 0..3u8, 0..4u8, any::<bool>()), 0..150),
        host in 0..14u8,
        user in proptest::option::of(0..3u8),
        names in proptest::collection::vec(0..4u8, 0..3),
    ) {
        let entries: Vec<Credential> = stored.iter().enumerate().map(|(i, &(h, u, p, http))| {
            let mut c = generic(&format!("H{h}.Example"), &format!("u{u}"));
            c.id = format!("{i}");
            c.host = c.host.to_ascii_lowercase();
            if http { c.protocol = "http".into(); }
            if p > 0 { c.provider = format!("inst{p}"); }
            c
        }).collect();
        let dk = DataKey::generate();
        let file = seal(&header(), &dk, &entries);
        let host = format!("h{host}.example");
        let user = user.map(|u| format!("u{u}"));
        let query = Query::new("https", &host, None, user.as_deref());
        let names: Vec<String> = names.iter().map(|n| format!("inst{n}")).collect();
        let names: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
        let mut slots = vec![Slot::Generic { protocol: b"https", host: host.as_bytes() }];
        slots.extend(names.iter().map(|n| Slot::Provider(n)));
        let (h, body) = parse_header(&file).unwrap();
        let full = select(&h, &dk, body, get_keep(&query, &names)).unwrap();
        let fast = lookup_file(&file, &dk, &slots, get_keep(&query, &names)).unwrap();
        prop_assert_eq!(fast, full);
    }
}

/// `count` GitHub tokens, each scoped to its own repository of one organization.
fn repository_tokens(count: usize) -> Vec<Credential> {
    (0..count)
        .map(|i| Credential {
            id: format!("{i}"),
            provider: "github".into(),
            protocol: "https".into(),
            scope: Some(format!("Org/repo{i}")),
            password: Some(Secret::new(format!("ghp_{i}"))),
            ..Default::default()
        })
        .collect()
}

/// The slots `get` reads for `org/repo7` on github, and its `keep`.
fn repo7_slots() -> [Slot<'static>; 3] {
    [
        Slot::Provider(b"github"),
        Slot::Scoped {
            provider: b"github",
            scope: b"org",
        },
        Slot::Scoped {
            provider: b"github",
            scope: b"org/repo7",
        },
    ]
}

fn keeps_repo7(v: &View<'_>) -> bool {
    v.provider() == b"github"
        && v.scope()
            .is_none_or(|s| [&b"org"[..], b"org/repo7"].contains(&&v2::scope_key(s)[..]))
}

#[test]
fn one_instances_repository_tokens_spread_over_the_buckets() {
    let dk = DataKey::generate();
    let entries = repository_tokens(320);
    let file = seal(&header(), &dk, &entries);
    let (h, start) = parse_head(&file).unwrap();
    let buckets = h.layout.unwrap().buckets;
    let index = v2::Index::open(&h, &dk, &file[start..start + table_len(buckets)]).unwrap();
    let used: std::collections::BTreeSet<u32> = entries
        .iter()
        .map(|c| index.bucket_of(Slot::of(c)))
        .collect();
    assert!(
        used.len() > buckets as usize / 2,
        "{} of {buckets} buckets",
        used.len()
    );
    // Case and outer slashes do not move a scope to another bucket.
    let repo7 = Slot::Scoped {
        provider: b"github",
        scope: b"/ORG/Repo7/",
    };
    assert_eq!(
        index.bucket_of(repo7),
        index.bucket_of(Slot::of(&entries[7]))
    );
    let found = lookup_file(&file, &dk, &repo7_slots(), keeps_repo7).unwrap();
    assert_eq!(found, [entries[7].clone()]);
}

/// v2 files written before scoped credentials had buckets of their own keep them in their
/// instance's bucket, which `get` reads as well.
#[test]
fn scoped_tokens_in_their_instances_bucket_are_still_found() {
    let dk = DataKey::generate();
    let entries = repository_tokens(100);
    fn before(c: &Credential) -> Slot<'_> {
        Slot::Provider(c.provider.as_bytes())
    }
    let file = v2::seal_by(&header(), &dk, &entries, before);
    let found = lookup_file(&file, &dk, &repo7_slots(), keeps_repo7).unwrap();
    assert_eq!(found, [entries[7].clone()]);
    assert_eq!(decode_file(&file, &dk).unwrap(), entries);
}

#[test]
fn decoding_in_place_answers_what_decode_does_in_stored_order() {
    let dk = DataKey::generate();
    // Several buckets, each entry's bucket unrelated to its position: the reader must put them
    // back in stored order.
    let entries: Vec<Credential> = many(300).into_iter().chain(sample()).collect();
    let file = seal(&header(), &dk, &entries);
    let (h, body) = parse_header(&file).unwrap();
    let at = file.len() - body.len();
    let mut copy = file.clone();
    assert_eq!(decode_in_place(&h, &dk, &mut copy[at..]).unwrap(), entries);
    assert_ne!(copy[at..], file[at..], "the body was decrypted in place");
    assert_eq!(decode_file(&file, &dk).unwrap(), entries);
}

#[test]
fn a_writer_sizes_each_entry_exactly() {
    for c in many(3).iter().chain(&sample()) {
        let mut out = vec![7];
        super::entries::encode_entry(&mut out, c);
        assert_eq!(out.len() - 1, super::entries::encoded_len(c), "{}", c.id);
    }
}
