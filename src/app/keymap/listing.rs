//! The key map as a list for people: the table in docs/src/keys.md and `gatebench config keys`
//! are both made here from the bindings, so they cannot drift from what the keys do.

use super::Keymap;

impl Keymap {
    /// The help rows as a Markdown table (`|` in a cell escaped).
    pub fn markdown_table(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let mut out = String::from("| key | what it does |\n|---|---|\n");
        for (keys, what) in self.help_rows() {
            out.push_str(&format!("| {} | {} |\n", cell(&keys), cell(&what)));
        }
        out
    }

    /// The list layer's keys for a view's bottom line: `↑↓`, and with `pages` `↑↓ PgUp PgDn`.
    pub fn scroll_keys(&self, pages: bool) -> String {
        use super::{Command, ListCmd};
        let key = |c| self.key_for(Command::List(c)).unwrap_or_default();
        let mut out = format!("{}{}", key(ListCmd::Up), key(ListCmd::Down));
        if pages {
            out = format!("{out} {} {}", key(ListCmd::PageUp), key(ListCmd::PageDown));
        }
        out
    }

    /// The help rows as aligned text, for a terminal.
    pub fn text_table(&self) -> String {
        let rows: Vec<[String; 2]> = std::iter::once(["key".into(), "what it does".into()])
            .chain(self.help_rows().into_iter().map(|(k, w)| [k, w]))
            .collect();
        crate::format::text_table(&rows, &[])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::Keymap;

    #[test]
    fn both_listings_follow_a_rebinding() {
        let mut over = BTreeMap::new();
        over.insert("rerun".to_string(), "ctrl-g".to_string());
        let k = Keymap::new(&over).unwrap();
        let md = k.markdown_table();
        assert!(
            md.starts_with("| key | what it does |\n|---|---|\n"),
            "{md}"
        );
        assert!(md.contains("| Ctrl-G | re-run the last prompt |\n"), "{md}");
        // `|` is a key of its own nowhere, but a description may hold one; it is escaped.
        assert!(
            !md.lines().skip(2).any(|l| l.matches(" | ").count() != 1),
            "{md}"
        );
        let text = k.text_table();
        assert!(
            text.lines()
                .any(|l| l.starts_with("Ctrl-G") && l.ends_with("re-run the last prompt")),
            "{text}"
        );
    }
}
