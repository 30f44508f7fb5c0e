//! Printing the token: raw, `az`-shaped JSON, an HTTP header line, or its claims.

use std::io::Write;

use aad_common::sanitize::escape_json_invisibles;
use aad_common::token::{AccessToken, decode_jwt};
use aad_common::{Error, Result};
use serde_json::json;

use crate::cli::Output;

/// What is printed: the token in one of the `-o` formats, or with `--claims` what it
/// says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Print {
    /// The token, as `-o` asks.
    Token(Output),
    /// The decoded JWT header and claims.
    Claims,
}

/// Writes what `print` asks for, with a final newline, and flushes.
pub(crate) fn write(out: &mut impl Write, token: &AccessToken, print: Print) -> Result<()> {
    let text = render(token, print)?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}

fn render(token: &AccessToken, print: Print) -> Result<String> {
    let raw = token.token.expose();
    Ok(match print {
        Print::Token(Output::Raw) => format!("{raw}\n"),
        Print::Token(Output::Json) => format!("{}\n", token.to_az_json()),
        Print::Token(Output::Header) => format!("Authorization: {} {raw}\n", token.token_type),
        Print::Claims => {
            let (header, claims) = decode_jwt(raw).ok_or_else(|| {
                Error::bad_data("the access token is not a JWT, so it has no claims to show")
                    .with_hint("some OAuth2 servers issue opaque tokens; print the token itself without --claims")
            })?;
            let document = json!({"header": header, "claims": claims});
            let pretty = serde_json::to_string_pretty(&document)
                .map_err(|e| Error::internal("cannot format the claims").with_source(e))?;
            // Claims are chosen by whoever issued the token; shown raw, bidirectional
            // controls would make the terminal display other claims than the token holds.
            format!("{}\n", escape_json_invisibles(&pretty))
        }
    })
}

#[cfg(test)]
mod tests {
    use aad_common::Status;
    use aad_common::token::Secret;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn token(raw: &str) -> AccessToken {
        AccessToken {
            token: Secret::new(raw),
            expires_on: Some(1_700_000_000),
            token_type: "Bearer".into(),
            tenant: Some("t".into()),
        }
    }

    #[test]
    fn raw_json_and_header() {
        let t = token("abc.def.ghi");
        assert_eq!(
            render(&t, Print::Token(Output::Raw)).unwrap(),
            "abc.def.ghi\n"
        );
        assert_eq!(
            render(&t, Print::Token(Output::Header)).unwrap(),
            "Authorization: Bearer abc.def.ghi\n"
        );
        let json = render(&t, Print::Token(Output::Json)).unwrap();
        assert!(json.ends_with("}\n") && !json[..json.len() - 1].contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["accessToken"], "abc.def.ghi");
        assert_eq!(value["expires_on"], 1_700_000_000);
    }

    #[test]
    fn claims_keep_the_token_order_and_need_a_jwt() {
        let jwt = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"aud":"a","roles":["AuditLog.Read.All"]}"#)
        );
        let text = render(&token(&jwt), Print::Claims).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["claims"]["roles"][0], "AuditLog.Read.All");
        assert!(text.find("\"typ\"").unwrap() < text.find("\"alg\"").unwrap());
        assert!(!text.contains("sig"));
        let err = render(&token("opaque"), Print::Claims).unwrap_err();
        assert_eq!(err.status(), Status::BadData);
    }

    #[test]
    fn claims_escape_bidirectional_controls() {
        let jwt = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode("{\"name\":\"admin\u{202e}nimda\u{2066}\"}")
        );
        let text = render(&token(&jwt), Print::Claims).unwrap();
        assert!(
            text.contains(r#""name": "admin\u202enimda\u2066""#),
            "{text}"
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["claims"]["name"], "admin\u{202e}nimda\u{2066}");
    }
}
