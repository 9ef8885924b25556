//! `--format text|json|html` for the commands that print a page of results (ladder, leaderboard,
//! watch report); `--json` stays as the short form of `--format json`.

/// How a page of results is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PageFormat {
    Text,
    Json,
    /// One self-contained HTML page (redirect it to a file).
    Html,
}

/// The format asked for: `--format`, else `--json`, else text.
pub fn chosen(json: bool, format: Option<PageFormat>) -> PageFormat {
    match (format, json) {
        (Some(f), _) => f,
        (None, true) => PageFormat::Json,
        (None, false) => PageFormat::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_wins_then_json_then_text() {
        assert_eq!(chosen(false, None), PageFormat::Text);
        assert_eq!(chosen(true, None), PageFormat::Json);
        assert_eq!(chosen(false, Some(PageFormat::Html)), PageFormat::Html);
    }
}
