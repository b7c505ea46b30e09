//! Key-pair login: verify an RS256 JWT (as Snowflake's drivers build it)
//! against the configured public key.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};

pub fn fingerprint(key: &RsaPublicKey) -> Result<String, String> {
    let der = key.to_public_key_der().map_err(|e| e.to_string())?;
    Ok(format!(
        "SHA256:{}",
        STANDARD.encode(Sha256::digest(der.as_bytes()))
    ))
}

pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    RsaPublicKey::from_public_key_pem(pem.trim()).map_err(|e| format!("invalid public key: {e}"))
}

/// Checks signature, expiry, subject (`ACCOUNT.USER`) and, when present, the
/// key fingerprint in the issuer (`ACCOUNT.USER.SHA256:...`).
pub fn verify(token: &str, pem: &str, _account: &str, user: &str) -> Result<(), String> {
    let key = parse_public_key(pem)?;
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed token".into());
    };
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" {
        return Err("unsupported algorithm".into());
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?;
    let digest = Sha256::digest(format!("{h}.{p}").as_bytes());
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &sig)
        .map_err(|_| "bad signature".to_string())?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let now = crate::catalog::now_ms() / 1000;
    if claims["exp"].as_i64().is_some_and(|exp| exp < now) {
        return Err("token expired".into());
    }
    let sub = claims["sub"].as_str().unwrap_or("");
    let sub_user = sub.split_once('.').map(|(_, u)| u).unwrap_or("");
    if !sub_user.eq_ignore_ascii_case(user) {
        return Err("subject does not name the user".into());
    }
    let iss = claims["iss"].as_str().unwrap_or("");
    if let Some(pos) = iss.find(".SHA256:")
        && iss[pos + 1..] != fingerprint(&key)?
    {
        return Err("public key fingerprint mismatch".into());
    }
    Ok(())
}
