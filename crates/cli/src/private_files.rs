//! Files only the server's user may read: the server key, and the first administrator's link
//! while no account exists.

use anyhow::{Context, Result};

/// The file in the data directory that holds the first administrator's link until an account exists.
pub(crate) const FIRST_LINK_FILE: &str = "first-administrator-link.txt";

/// Writes a file only this user can read, replacing any earlier one.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let _ = std::fs::remove_file(path);
    create_private(path, bytes)
}

/// Creates a file only this user can read; fails if it exists (another process made it first).
fn create_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

/// Reads the server key file, making it (readable by this user only) at first start.
pub(crate) fn server_key(path: &std::path::Path) -> Result<lodge_crypto::Key> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => zeroize::Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
            lodge_crypto::random_bytes(&mut bytes[..])?;
            let text = zeroize::Zeroizing::new(data_encoding::BASE64.encode(&bytes[..]));
            create_private(path, text.as_bytes()).context("cannot create the server key file")?;
            text
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read the server key file {}", path.display())),
    };
    let bytes = zeroize::Zeroizing::new(
        data_encoding::BASE64
            .decode(text.trim().as_bytes())
            .with_context(|| format!("the server key file {} is not base64", path.display()))?,
    );
    Ok(lodge_crypto::Key::derive(&bytes, "lodge server key"))
}
