//! Signing with a key kept in OpenBao's transit engine (a GitHub App's key that never exists on
//! the machine): the library's `openbao::transit` called in this process against a real
//! `bao server -dev`, with a test HOME's key-file store and the AppRole login that
//! `openbao login --approle` keeps in its encrypted cache.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use vouch::config::Config;
use vouch::error::exit;
use vouch::openbao::cache::Cache;
use vouch::openbao::transit;
use vouch::paths::Paths;
use vouch::store::{Create, Store};

use super::*;
use crate::openbao_harness::rsa_private_key;

/// What a GitHub App signs: a JWT's header and claims.
const INPUT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MiJ9.signing-input-4711";

/// The policy docs/openbao.md gives for signing with `app`, and reading its public key.
const SIGN_APP: &str = "path \"transit/sign/app/sha2-256\" {\n  capabilities = [\"update\"]\n}\npath \"transit/keys/app\" {\n  capabilities = [\"read\"]\n}\n";

/// A test HOME whose store and `[openbao]` this process uses, logged in to `bao` with an
/// AppRole whose tokens have the policy given.
struct Signer {
    env: Env,
    store: Store,
    config: Config,
    secret_id: String,
}

impl Signer {
    fn new(bao: &Bao, policy: &str) -> Signer {
        // This process's environment would take the place of the test's cluster and login.
        for name in ["BAO_ADDR", "VAULT_ADDR", "BAO_TOKEN", "VAULT_TOKEN"] {
            assert!(
                std::env::var_os(name).is_none(),
                "unset {name}: the transit tests call vouch in this process"
            );
        }
        bao.policy("signer", policy);
        let (role_id, secret_id) = bao.approle("signer", "signer");
        let env = Env::new();
        env.write_config(&format!("[openbao]\naddress = \"{}\"\n", bao.address()));
        env.vouch(&["init", "--key", "file"], "");
        let login = env.helper(
            &["openbao", "login", "--approle", "--role-id", &role_id],
            format!("{secret_id}\n").as_bytes(),
        );
        assert_ok(&login, "openbao login --approle");
        let paths = Paths::at(
            env.path("data/git-credential-vouch"),
            env.path("config/git-credential-vouch"),
        );
        let config = Config::load(&paths.config_file(), true).unwrap();
        Signer {
            env,
            store: Store::new(paths),
            config,
            secret_id,
        }
    }

    fn sign(&self, key: &str) -> Result<Vec<u8>, vouch::openbao::Error> {
        transit::sign(&self.store, &self.config, "transit", key, INPUT.as_bytes())
    }

    /// The client token kept in the cache.
    fn kept_token(&self) -> String {
        let key = self.store.data_key(Create::Never).unwrap().unwrap();
        let contents = Cache::new(self.store.paths()).read(&key).unwrap();
        contents
            .client_token
            .as_ref()
            .expect("a kept login")
            .token
            .clone()
    }

    /// The error of a failed `result`, with exit code `code`, naming neither the input nor a
    /// secret.
    fn failure(&self, result: Result<Vec<u8>, vouch::openbao::Error>, code: u8) -> String {
        let error = result.expect_err("signed");
        let text = error.to_string();
        assert_eq!(vouch::error::Error::from(error).exit_code(), code, "{text}");
        let secrets = [
            INPUT.to_owned(),
            STANDARD.encode(INPUT),
            self.kept_token(),
            self.secret_id.clone(),
        ];
        for secret in secrets {
            assert!(!text.contains(&secret), "{text}");
        }
        text
    }
}

/// The DER inside a PEM.
fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// The RSAPublicKey (what ring verifies with) inside an RSA-2048 public key PEM
/// (SubjectPublicKeyInfo, as OpenBao gives it).
fn rsa_public_key(pem: &str) -> Vec<u8> {
    const SPKI_RSA_2048: [u8; 24] = [
        0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
    ];
    let der = der(pem);
    assert_eq!(der[..24], SPKI_RSA_2048, "an RSA-2048 public key");
    der[24..].to_vec()
}

#[test]
fn an_imported_key_signs_rs256_exactly_as_its_private_key_would_with_one_login() {
    let bao = Bao::start();
    bao.enable_transit();
    let pem = rsa_private_key();
    bao.import_rsa_key("app", &pem);
    let signer = Signer::new(&bao, SIGN_APP);
    assert_eq!(bao.requests("auth/approle/login"), 1);

    let signature = signer.sign("app").unwrap();
    let pair = RsaKeyPair::from_pkcs8(&der(&pem)).unwrap();
    let mut local = vec![0; pair.public().modulus_len()];
    let rng = ring::rand::SystemRandom::new();
    pair.sign(&RSA_PKCS1_SHA256, &rng, INPUT.as_bytes(), &mut local)
        .unwrap();
    assert_eq!(signature, local, "PKCS#1 v1.5 signatures are deterministic");
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public().as_ref())
        .verify(INPUT.as_bytes(), &signature)
        .unwrap();
    let public = transit::public_key(&signer.store, &signer.config, "transit", "app").unwrap();
    assert_eq!(rsa_public_key(&public), pair.public().as_ref());
    assert_eq!(bao.requests("transit/sign/app/sha2-256"), 1);
    assert_eq!(
        bao.requests("auth/approle/login"),
        1,
        "the login kept by `openbao login --approle` was not reused"
    );

    // The kept token is revoked: of eight signers at once, the first to take the cache lock
    // logs in again and keeps the new token, and the others use it.
    bao.cli_as(&signer.kept_token(), &["token", "revoke", "-self"]);
    std::thread::scope(|s| {
        let signers: Vec<_> = (0..8).map(|_| s.spawn(|| signer.sign("app"))).collect();
        for handle in signers {
            assert_eq!(handle.join().unwrap().unwrap(), local);
        }
    });
    assert_eq!(bao.requests("auth/approle/login"), 2);
    assert_no_plaintext(&signer.env, &[&signer.kept_token(), &signer.secret_id]);
}

#[test]
fn a_key_made_in_openbao_signs_and_keys_that_cannot_are_named() {
    let bao = Bao::start();
    bao.enable_transit();
    let public = bao.create_rsa_key("made");
    bao.create_key("edwards", "ed25519");
    let signer = Signer::new(
        &bao,
        "path \"transit/sign/+/sha2-256\" {\n  capabilities = [\"update\"]\n}\n",
    );
    let signature = signer.sign("made").unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, rsa_public_key(&public))
        .verify(INPUT.as_bytes(), &signature)
        .unwrap();

    let missing = signer.failure(signer.sign("missing"), exit::USAGE);
    assert_eq!(
        missing,
        "openbao transit key transit/missing: signing key not found"
    );
    let edwards = signer.failure(signer.sign("edwards"), exit::USAGE);
    assert!(
        edwards.starts_with("openbao transit key transit/edwards: a 64-byte signature")
            && edwards.contains("rsa-2048"),
        "{edwards}"
    );
    // A name that would reach another path is refused before any request.
    let before = bao.all_requests();
    for bad in ["../../sys/seal", "app?x=1", "app#x", "app/sha2-512"] {
        let refused = signer.failure(signer.sign(bad), exit::USAGE);
        assert!(refused.contains("is not a transit key name"), "{refused}");
    }
    assert_eq!(bao.all_requests(), before);
}

#[test]
fn a_token_that_may_not_sign_gets_an_error_naming_the_key_and_permission_denied() {
    let bao = Bao::start();
    bao.enable_transit();
    let public = bao.create_rsa_key("app");
    let signer = Signer::new(
        &bao,
        "path \"transit/keys/app\" {\n  capabilities = [\"read\"]\n}\n",
    );
    let denied = signer.failure(signer.sign("app"), exit::USAGE);
    assert_eq!(
        denied,
        "openbao transit key transit/app: 1 error occurred: \\x09* permission denied  "
    );
    // The kept login was refused, so one new login was tried, and refused the same way.
    assert_eq!(bao.requests("auth/approle/login"), 2);
    // Reading the public key is another capability, which this policy grants.
    let read = transit::public_key(&signer.store, &signer.config, "transit", "app").unwrap();
    assert_eq!(read, public);
}

#[test]
fn an_unreachable_cluster_is_a_runtime_failure_that_says_so() {
    let mut bao = Bao::start();
    bao.enable_transit();
    bao.create_rsa_key("app");
    let signer = Signer::new(&bao, SIGN_APP);
    bao.stop();
    let down = signer.failure(signer.sign("app"), exit::RUNTIME);
    assert!(
        down.starts_with("openbao transit key transit/app: unreachable ("),
        "{down}"
    );
}
