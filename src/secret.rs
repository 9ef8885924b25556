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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_key() {
        let k = Secret::new("sk-live-abcdefghijklmnop1234");
        assert_eq!(k.to_string(), "****1234");
        assert!(!format!("{k:?}").contains("abcdef"));
        assert_eq!(Secret::new("short").to_string(), "****");
    }
}
