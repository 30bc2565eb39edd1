//! Logging in to OpenBao: AppRole (secret ID and client token kept encrypted, one login) and JWT
//! from a file.

use super::*;

fn setup_approle(bao: &Bao) -> (String, String) {
    bao.reader_token();
    bao.approle("ci", "git-reader")
}

#[test]
fn approle_logs_in_once_and_keeps_secret_id_and_client_token_encrypted() {
    let bao = Bao::start();
    let (role_id, secret_id) = setup_approle(&bao);
    put(&bao, "glpat-AppRoleToken00001");
    let env = Env::new();
    env.write_config(&config(&bao, "1s"));
    // A wrong secret ID is refused and nothing is kept.
    let bad = env.helper(
        &["openbao", "login", "--approle", "--role-id", &role_id],
        b"not-the-secret-id\n",
    );
    let err = assert_fails(&bad, 2);
    assert!(err.contains("AppRole"), "{err}");
    let ok = env.helper(
        &["openbao", "login", "--approle", "--role-id", &role_id],
        format!("{secret_id}\n").as_bytes(),
    );
    assert_ok(&ok, "openbao login --approle");
    assert_eq!(bao.requests("auth/approle/login"), 2);
    assert_eq!(
        password(&get(&env, None)).as_deref(),
        Some("glpat-AppRoleToken00001")
    );
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        password(&get(&env, None)).as_deref(),
        Some("glpat-AppRoleToken00001")
    );
    assert_eq!(bao.reads(PATH), 2);
    assert_eq!(
        bao.requests("auth/approle/login"),
        2,
        "the client token is kept until its TTL"
    );
    assert_no_plaintext(&env, &["glpat-AppRoleToken00001", &secret_id]);
}

/// base64url without padding (JWT), standard with padding (PEM).
fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | *b as u32) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if !url {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

#[test]
fn a_jwt_from_a_file_logs_in() {
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    // SubjectPublicKeyInfo for a P-256 key: the fixed prefix, then the uncompressed point.
    let mut spki = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(pair.public_key().as_ref());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64(&spki, false)
    );
    let bao = Bao::start();
    bao.reader_token();
    put(&bao, "glpat-JwtToken00000001");
    bao.cli(&["auth", "enable", "jwt"]);
    let pem_file = bao.dir().join("jwt.pem");
    std::fs::write(&pem_file, pem).unwrap();
    bao.cli(&[
        "write",
        "auth/jwt/config",
        &format!("jwt_validation_pubkeys=@{}", pem_file.display()),
    ]);
    bao.cli(&[
        "write",
        "auth/jwt/role/ci",
        "role_type=jwt",
        "bound_audiences=vouch",
        "user_claim=sub",
        "token_policies=git-reader",
    ]);
    let now = unix_now();
    let header = base64(br#"{"alg":"ES256","typ":"JWT"}"#, true);
    let claims = base64(
        format!(
            r#"{{"sub":"ci-job","aud":"vouch","iat":{now},"nbf":{now},"exp":{}}}"#,
            now + 600
        )
        .as_bytes(),
        true,
    );
    let signed = format!("{header}.{claims}");
    let signature = pair.sign(&rng, signed.as_bytes()).unwrap();
    let jwt = format!("{signed}.{}", base64(signature.as_ref(), true));
    let env = Env::new();
    let jwt_file = env.path("home/id_token");
    std::fs::write(&jwt_file, &jwt).unwrap();
    env.write_config(&format!(
        "{}\n",
        config(&bao, "5m").replacen(
            "cache_ttl",
            &format!(
                "jwt_role = \"ci\"\njwt_file = \"{}\"\ncache_ttl",
                jwt_file.display()
            ),
            1
        )
    ));
    let out = get(&env, None);
    assert_eq!(
        password(&out).as_deref(),
        Some("glpat-JwtToken00000001"),
        "{}",
        stderr(&out)
    );
    assert_eq!(bao.requests("auth/jwt/login"), 1);
    assert_no_plaintext(&env, &["glpat-JwtToken00000001"]);
}
