//! Secret access keys at rest: sealed with XChaCha20-Poly1305 under a master key that is not in
//! the store (a file, or `RAMD_MASTER_KEY`), so a copy of the database alone gives no credentials.
//! Each sealed secret is bound to its access key id (the AEAD's associated data): a sealed value
//! moved to another key's row does not open.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// How a sealed secret is written: the scheme's tag, then base64 of nonce and ciphertext.
const SEALED: &str = "sealed:v1:";
const NONCE_BYTES: usize = 24;

/// The key the secrets are sealed under.
pub struct MasterKey {
    cipher: XChaCha20Poly1305,
}

/// Never shows the key.
impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Where the master key came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Environment,
    File(PathBuf),
    /// Made now, on the first start of an embedded store, and written to this file.
    Generated(PathBuf),
}

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<MasterKey, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "the master key is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "the master key is {} bytes; it must be 32 (base64 of 32 random bytes)",
                bytes.len()
            ));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|e| e.to_string())?;
        Ok(MasterKey { cipher })
    }

    /// The master key from `RAMD_MASTER_KEY` (`env`), else from `file`, else — for an embedded
    /// store — from `default_file`, made there (readable by its owner only) if it does not exist.
    pub fn load(
        env: Option<&str>,
        file: Option<&Path>,
        default_file: Option<&Path>,
    ) -> Result<(MasterKey, Origin), String> {
        if let Some(text) = env {
            return Ok((MasterKey::from_base64(text)?, Origin::Environment));
        }
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the master key {}: {e}", path.display()))
                .and_then(|text| MasterKey::from_base64(&text))
        };
        if let Some(path) = file {
            return Ok((read(path)?, Origin::File(path.to_owned())));
        }
        let Some(path) = default_file else {
            return Err("a master key is needed to seal access keys: give --master-key-file or RAMD_MASTER_KEY (every replica needs the same one)".to_owned());
        };
        if path.exists() {
            return Ok((read(path)?, Origin::File(path.to_owned())));
        }
        let text = STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng));
        write_private(path, &text)
            .map_err(|e| format!("cannot write the master key {}: {e}", path.display()))?;
        Ok((
            MasterKey::from_base64(&text)?,
            Origin::Generated(path.to_owned()),
        ))
    }

    /// `secret` sealed for the access key `key_id`.
    pub fn seal(&self, key_id: &str, secret: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret.as_bytes(),
                    aad: key_id.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length a secret has");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{SEALED}{}", STANDARD.encode(out))
    }

    /// The secret of `key_id` from its stored form; `None` when it does not open (another master
    /// key, another key's row, or altered).
    pub fn open(&self, key_id: &str, stored: &str) -> Option<String> {
        let bytes = STANDARD.decode(stored.strip_prefix(SEALED)?).ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        let plain = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: key_id.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// The secret of a stored key: opened under `master` when sealed, taken as it is when in plain
/// text (written by a ramd from before sealing; sealed at the next start). `None` when it does not
/// open, or is sealed and no master key is given.
pub fn stored_secret(
    master: Option<&MasterKey>,
    key: &ram_store::AccessKeyRecord,
) -> Option<String> {
    if is_sealed(&key.secret_access_key) {
        master?.open(&key.access_key_id, &key.secret_access_key)
    } else {
        Some(key.secret_access_key.clone())
    }
}

/// Whether a stored secret is sealed (a store from before sealing holds them in plain text).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// Writes a new file only its owner may read (it holds a key or a secret); an existing one is an
/// error, never overwritten.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_key_under_its_master_key() {
        let k = key();
        let sealed = k.seal("AKIAONE", "s3cret");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(k.open("AKIAONE", &sealed).as_deref(), Some("s3cret"));
        assert_eq!(k.open("AKIATWO", &sealed), None, "bound to its key id");
        let other = MasterKey::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert_eq!(other.open("AKIAONE", &sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push('A');
        assert_eq!(k.open("AKIAONE", &altered), None);
        assert_ne!(
            k.seal("AKIAONE", "s3cret"),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn the_master_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (made, origin) = MasterKey::load(None, None, Some(&path)).unwrap();
        assert_eq!(origin, Origin::Generated(path.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let permissions = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(permissions & 0o777, 0o600);
        }
        let (again, origin) = MasterKey::load(None, None, Some(&path)).unwrap();
        assert_eq!(origin, Origin::File(path.clone()));
        let sealed = made.seal("AKIA", "x");
        assert_eq!(again.open("AKIA", &sealed).as_deref(), Some("x"));
        assert!(MasterKey::load(None, None, None).is_err());
        assert!(MasterKey::load(Some("short"), None, None).is_err());
    }
}
