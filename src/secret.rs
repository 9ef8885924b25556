//! API keys travel in this wrapper so that `Debug`, `Display` and serialisation can only ever show a
//! masked form; reading the real value needs an explicit `expose()`.

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Enough to tell two keys apart, never enough to use one.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

pub fn mask(s: &str) -> String {
    let n = s.chars().count();
    if n < 12 {
        "****".to_string()
    } else {
        let tail: String = s.chars().skip(n - 4).collect();
        format!("****{tail}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// `text` with every occurrence of `key`, and the token of any `Bearer …`, replaced by `****`:
/// what a server sends back is shown, printed and stored only after this.
pub fn scrub<'a>(text: &'a str, key: Option<&Secret>) -> std::borrow::Cow<'a, str> {
    let key = key.map(Secret::expose).filter(|k| k.len() >= 4);
    let has_key = key.is_some_and(|k| text.contains(k));
    let has_bearer = text
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"bearer "));
    if !has_key && !has_bearer {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = match key {
        Some(k) if has_key => text.replace(k, "****"),
        _ => text.to_string(),
    };
    if has_bearer {
        out = scrub_bearer(&out);
    }
    std::borrow::Cow::Owned(out)
}

/// `text` with every word that looks like an API key masked: words from `sk-` / `sk_` on (a
/// gateway's key label may hold the key's start and end), and long runs of letters and digits
/// with both in them. For texts a server writes about the key itself.
pub fn mask_keylike(text: &str) -> String {
    text.split(' ')
        .map(|w| if keylike(w) { mask(w) } else { w.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a word looks like an API key (see `mask_keylike`).
pub fn keylike(w: &str) -> bool {
    let body = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.');
    let charset = body
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '…'));
    let (letters, digits) = (
        body.chars().any(|c| c.is_ascii_alphabetic()),
        body.chars().any(|c| c.is_ascii_digit()),
    );
    body.starts_with("sk-")
        || body.starts_with("sk_")
        || (charset && letters && digits && body.chars().count() >= 24)
}

/// `text` with `key` scrubbed and every whitespace-separated word that looks like a key masked,
/// its spacing and lines kept: for texts put where anyone may read them (an HTML report).
pub fn keyless(text: &str, key: Option<&Secret>) -> String {
    let text = scrub(text, key);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if keylike(word) {
            out.push_str(&mask(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Scrubs texts in place against one key: what a record's `scrub` runs over each of its fields.
#[derive(Clone, Copy)]
pub struct Scrubber<'a>(pub Option<&'a Secret>);

impl Scrubber<'_> {
    pub fn text(&self, s: &mut String) {
        if let std::borrow::Cow::Owned(clean) = scrub(s, self.0) {
            *s = clean;
        }
    }

    pub fn opt(&self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.text(s);
        }
    }

    /// Every string in a JSON value, keys included.
    pub fn json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => self.text(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(o) => {
                let old = std::mem::take(o);
                for (mut k, mut v) in old {
                    self.text(&mut k);
                    self.json(&mut v);
                    o.insert(k, v);
                }
            }
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
            }
        }
    }
}

fn scrub_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.to_ascii_lowercase().find("bearer ") {
        let after = i + "bearer ".len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '}' | ')'))
            .unwrap_or(tail.len());
        if end > 0 {
            out.push_str("****");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_like_words_are_masked_and_names_are_not() {
        assert_eq!(mask_keylike("team eval"), "team eval");
        assert_eq!(mask_keylike("sk-or-v1-0e6f44a47a0…3d3"), "****…3d3");
        assert_eq!(mask_keylike("key sk_live_12"), "key ****");
        // Long runs of letters and digits are keys; long words and long numbers are not.
        let long = "a1b2c3d4e5f6g7h8i9j0k1l2m3";
        assert_eq!(
            mask_keylike(&format!("x {long}")),
            format!("x {}", mask(long))
        );
        assert_eq!(
            mask_keylike("internationalisation-ready"),
            "internationalisation-ready"
        );
        assert_eq!(
            mask_keylike("123456789012345678901234567"),
            "123456789012345678901234567"
        );
    }

    #[test]
    fn never_shows_the_key() {
        let k = Secret::new("sk-live-abcdefghijklmnop1234");
        assert_eq!(k.to_string(), "****1234");
        assert!(!format!("{k:?}").contains("abcdef"));
        assert_eq!(Secret::new("short").to_string(), "****");
    }

    #[test]
    fn scrubs_keys_and_bearer_tokens() {
        let k = Secret::new("sk-live-abcdefghijklmnop1234");
        let echoed = format!(
            "bad key {0} (header: Authorization: Bearer {0})",
            k.expose()
        );
        let out = scrub(&echoed, Some(&k));
        assert!(!out.contains("abcdefghijklmnop"), "{out}");
        assert_eq!(out, "bad key **** (header: Authorization: Bearer ****)");
        // Any bearer token, ours or not, in any case.
        assert_eq!(
            scrub(r#"{"auth":"BEARER other-token-xyz"}"#, None),
            r#"{"auth":"BEARER ****"}"#
        );
        assert!(matches!(
            scrub("nothing here", Some(&k)),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(scrub("ends with Bearer ", None), "ends with Bearer ");
    }
}
