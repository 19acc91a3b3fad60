//! Property tests, per service: every request model survives a JSON round
//! trip unchanged, and no byte string makes decoding of any success or
//! error type panic (it may only fail with an error).

use authapi::{giantswarm, glowmarkt, kleister, nuextract, svix, Secret};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_vec(value).unwrap();
    let back: T = serde_json::from_slice(&json).unwrap();
    assert_eq!(&back, value, "{}", String::from_utf8_lossy(&json));
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, quotes, escapes and controls included.
    any::<String>()
}

fn secret() -> impl Strategy<Value = Secret> {
    text().prop_map(Secret::new)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn glowmarkt_login_round_trips(username in text(), password in secret(), directory_id in proptest::option::of(text())) {
        round_trip(&glowmarkt::types::UserNameLoginReq { username, password, directory_id });
    }

    #[test]
    fn kleister_login_round_trips(username in text(), password in secret()) {
        round_trip(&kleister::types::AuthLogin { username, password });
    }

    #[test]
    fn svix_bodies_round_trip(expiry in proptest::option::of(any::<i64>()), flags in proptest::collection::vec("[a-zA-Z0-9_.-]{1,32}", 0..8)) {
        round_trip(&svix::types::ApplicationTokenExpireIn { expiry, session_ids: flags.clone() });
        let feature_flags: Vec<String> = flags.clone();
        round_trip(&svix::types::AppPortalAccessIn { feature_flags, ..Default::default() });
    }

    #[test]
    fn giantswarm_login_round_trips(email in proptest::option::of(text()), password in text()) {
        let mut body = giantswarm::types::V4CreateAuthTokenRequest::with_password("e", &password);
        body.email = email;
        round_trip(&body);
    }

    #[test]
    fn nuextract_bodies_round_trip(code in secret(), redirect in text(), token in secret(), name in text()) {
        round_trip(&nuextract::types::TokenRequest::code(code, redirect));
        round_trip(&nuextract::types::TokenRequest::refresh(token.clone()));
        round_trip(&nuextract::types::CreateOrUpdateUserToken { name });
        round_trip(&token);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    #[test]
    fn decoding_json_like_bytes_never_panics(bytes in proptest::collection::vec(proptest::sample::select(br#"{}[]":,0123456789.-eE truefalsnu\"#.to_vec()), 0..128)) {
        decode_all(&bytes);
    }

    #[test]
    fn decoding_shuffled_valid_bodies_never_panics(pick in 0..VALID.len(), cut in 0usize..200, flip in any::<u8>()) {
        let mut bytes = VALID[pick].as_bytes().to_vec();
        if cut < bytes.len() {
            bytes[cut] ^= flip;
            bytes.truncate(cut + 1);
        }
        decode_all(&bytes);
    }
}

const VALID: [&str; 6] = [
    r#"{"valid":true,"exp":1700000000,"token":"jwt","accountId":"a"}"#,
    r#"{"token":"t","expires_at":"2026-11-22T18:00:00Z"}"#,
    r#"{"url":"https://app.svix.com/login#key=x","token":"appsk"}"#,
    r#"{"detail":[{"loc":["body"],"msg":"m","type":"t"}]}"#,
    r#"{"type":"ai.numind.extract.shared.TokenCodeRequest","code":"c","redirectUri":"r"}"#,
    r#"[{"id":"i","name":"n","token":"t","userId":"u","createdAt":"c","expiresAt":"e"}]"#,
];

/// Decodes `bytes` as every success and error body of every service.
fn decode_all(bytes: &[u8]) {
    fn d<T: DeserializeOwned>(bytes: &[u8]) {
        let _ = serde_json::from_slice::<T>(bytes);
    }
    use giantswarm::types as gs;
    use glowmarkt::types as g;
    use kleister::types as k;
    use nuextract::types as n;
    use svix::types as s;
    d::<g::LoginResponse>(bytes);
    d::<g::NewTokenResponse>(bytes);
    d::<g::DeleteTokenResponse>(bytes);
    d::<Vec<g::TokenDocument>>(bytes);
    d::<Vec<g::IsValidRes>>(bytes);
    d::<g::GlowmarktError>(bytes);
    d::<k::AuthToken>(bytes);
    d::<k::AuthVerify>(bytes);
    d::<k::GeneralError>(bytes);
    d::<s::AppPortalAccessOut>(bytes);
    d::<s::DashboardAccessOut>(bytes);
    d::<s::SvixError>(bytes);
    d::<gs::V4CreateAuthTokenResponse>(bytes);
    d::<gs::V4GenericResponse>(bytes);
    d::<String>(bytes);
    d::<n::TokenResponse>(bytes);
    d::<n::TokenRequest>(bytes);
    d::<n::User>(bytes);
    d::<n::UserTokenResponse>(bytes);
    d::<Vec<n::UserTokenResponse>>(bytes);
    d::<serde_json::Map<String, serde_json::Value>>(bytes);
    d::<n::NuExtractError>(bytes);
}
