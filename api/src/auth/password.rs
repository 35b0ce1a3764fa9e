//! Argon2id password hashing, off the async threads.
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

/// OWASP's baseline for Argon2id: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the user does not
/// exist, so a wrong username costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking(&crate::auth::random_token(24)).expect("hashing a random password works")
});

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes a password on the blocking pool (it takes tens of milliseconds of
/// CPU, which must not stall the threads serving other requests).
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies a password against a stored hash, or against a dummy hash when
/// there is no account (`None`), on the blocking pool.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let ok = verify_blocking(&password, hash.as_deref().unwrap_or(&DUMMY_HASH));
        ok && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password's length (the only rule NIST SP 800-63B asks for).
pub fn check_new(password: &str) -> Result<(), crate::error::FieldProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(crate::error::FieldProblem::new(
            "too_short",
            format!("A password needs at least {MIN_LENGTH} characters."),
        ));
    }
    if password.len() > MAX_LENGTH {
        return Err(crate::error::FieldProblem::new(
            "too_long",
            format!("A password may have at most {MAX_LENGTH} bytes."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        assert!(!verify("anything at all".into(), None).await);
        assert!(!verify("x".into(), Some("not a hash".into())).await);
    }

    #[test]
    fn new_passwords_need_ten_characters() {
        assert!(check_new("short").is_err());
        assert!(check_new("long enough!").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}
