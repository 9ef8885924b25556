//! Colour themes from TOML: built-ins embedded in the binary, user themes from the config dir.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::markdown::{Mark, RowKind, Tint};

pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focused: Color,
    pub highlight_bg: Color,
    pub selected: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub reasoning: Color,
    pub heading: Color,
    pub code: Color,
    pub user: Color,
    pub syntax: Syntax,
}

/// Colours for markdown links and code tokens; a theme without a `[syntax]` table gets them from
/// its other colours.
#[derive(Debug, Clone, PartialEq)]
pub struct Syntax {
    pub link: Color,
    pub keyword: Color,
    pub string: Color,
    pub comment: Color,
    pub number: Color,
    pub function: Color,
    pub type_: Color,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    colors: Colors,
    #[serde(default)]
    syntax: SyntaxColors,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SyntaxColors {
    link: Option<String>,
    keyword: Option<String>,
    string: Option<String>,
    comment: Option<String>,
    number: Option<String>,
    function: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Colors {
    fg: String,
    dim: String,
    accent: String,
    border: String,
    border_focused: String,
    highlight_bg: String,
    selected: String,
    ok: String,
    warn: String,
    error: String,
    reasoning: String,
    heading: String,
    code: String,
    user: String,
}

fn color(name: &str, v: &str) -> Result<Color, String> {
    Color::from_str(v.trim()).map_err(|_| format!("colour {name} = {v:?} is not a colour"))
}

fn or(v: &Option<String>, name: &str, fallback: &str) -> Result<Color, String> {
    color(name, v.as_deref().unwrap_or(fallback))
}

impl Theme {
    pub fn parse(text: &str, fallback_name: &str) -> Result<Self, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let c = &f.colors;
        Ok(Self {
            name: f.name.unwrap_or_else(|| fallback_name.to_string()),
            fg: color("fg", &c.fg)?,
            dim: color("dim", &c.dim)?,
            accent: color("accent", &c.accent)?,
            border: color("border", &c.border)?,
            border_focused: color("border_focused", &c.border_focused)?,
            highlight_bg: color("highlight_bg", &c.highlight_bg)?,
            selected: color("selected", &c.selected)?,
            ok: color("ok", &c.ok)?,
            warn: color("warn", &c.warn)?,
            error: color("error", &c.error)?,
            reasoning: color("reasoning", &c.reasoning)?,
            heading: color("heading", &c.heading)?,
            code: color("code", &c.code)?,
            user: color("user", &c.user)?,
            syntax: Syntax {
                link: or(&f.syntax.link, "link", &c.accent)?,
                keyword: or(&f.syntax.keyword, "keyword", &c.heading)?,
                string: or(&f.syntax.string, "string", &c.ok)?,
                comment: or(&f.syntax.comment, "comment", &c.dim)?,
                number: or(&f.syntax.number, "number", &c.warn)?,
                function: or(&f.syntax.function, "function", &c.accent)?,
                type_: or(&f.syntax.type_, "type", &c.code)?,
            },
        })
    }

    /// Every colour the terminal's default: only bold, italic and reverse remain (`NO_COLOR`).
    pub fn no_color() -> Self {
        let r = Color::Reset;
        Self {
            name: "no-color".into(),
            fg: r,
            dim: r,
            accent: r,
            border: r,
            border_focused: r,
            highlight_bg: r,
            selected: r,
            ok: r,
            warn: r,
            error: r,
            reasoning: r,
            heading: r,
            code: r,
            user: r,
            syntax: Syntax {
                link: r,
                keyword: r,
                string: r,
                comment: r,
                number: r,
                function: r,
                type_: r,
            },
        }
    }

    pub fn builtin(name: &str) -> Option<Self> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(n, t)| Self::parse(t, n).ok())
    }

    /// A built-in name, or `NAME.toml` in `<config dir>/themes/`, or a path to a TOML file.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Self, String> {
        if let Some(t) = Self::builtin(name) {
            return Ok(t);
        }
        let mut candidates = vec![Path::new(name).to_path_buf()];
        if let Some(dir) = config_dir {
            candidates.insert(0, dir.join("themes").join(format!("{name}.toml")));
        }
        for path in candidates {
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read theme {}: {e}", path.display()))?;
                return Self::parse(&text, name)
                    .map_err(|e| format!("theme {}: {e}", path.display()));
            }
        }
        let names: Vec<&str> = BUILTIN.iter().map(|b| b.0).collect();
        Err(format!(
            "unknown theme {name:?}: built-in themes are {}, or put {name}.toml in the config dir's themes/ folder",
            names.join(", ")
        ))
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg)
    }

    pub fn dim(&self) -> Style {
        Style::default().fg(self.dim)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            Style::default()
                .fg(self.border_focused)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(self.border)
        }
    }

    pub fn highlight(&self) -> Style {
        if self.highlight_bg == Color::Reset {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.highlight_bg)
        }
    }

    /// A styled run within a row of `base` style.
    pub fn mark(&self, base: Style, m: Mark) -> Style {
        let mut s = base;
        if let Some(t) = m.tint {
            let y = &self.syntax;
            s = s.fg(match t {
                Tint::Dim => self.dim,
                Tint::Heading => self.heading,
                Tint::Code => self.code,
                Tint::Link => y.link,
                Tint::Keyword => y.keyword,
                Tint::Str => y.string,
                Tint::Comment => y.comment,
                Tint::Number => y.number,
                Tint::Function => y.function,
                Tint::Type => y.type_,
                Tint::Added => self.ok,
                Tint::Removed => self.error,
            });
        }
        for (on, modifier) in [
            (m.bold, Modifier::BOLD),
            (m.italic, Modifier::ITALIC),
            (m.underline, Modifier::UNDERLINED),
            (m.strike, Modifier::CROSSED_OUT),
        ] {
            if on {
                s = s.add_modifier(modifier);
            }
        }
        s
    }

    /// A search match in a pane; the current one stands out more.
    pub fn found(&self, current: bool) -> Style {
        let s = if self.warn == Color::Reset {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.warn).fg(Color::Black)
        };
        if current {
            s.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            s
        }
    }

    pub fn row(&self, kind: RowKind) -> Style {
        let s = Style::default();
        match kind {
            RowKind::User => s.fg(self.user).add_modifier(Modifier::BOLD),
            RowKind::Reasoning => s.fg(self.reasoning).add_modifier(Modifier::ITALIC),
            RowKind::Text => s.fg(self.fg),
            RowKind::Heading => s.fg(self.heading).add_modifier(Modifier::BOLD),
            RowKind::Code => s.fg(self.code),
            RowKind::Fence => s.fg(self.dim),
            RowKind::List => s.fg(self.fg),
            RowKind::Quote => s.fg(self.dim).add_modifier(Modifier::ITALIC),
            RowKind::Error => s.fg(self.error).add_modifier(Modifier::BOLD),
            RowKind::Info => s.fg(self.dim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_user_themes_load() {
        for (name, _) in BUILTIN {
            assert!(Theme::builtin(name).is_some(), "{name}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        let text = BUILTIN[0].1.replace("\"#82aaff\"", "\"red\"");
        std::fs::write(dir.path().join("themes/mine.toml"), text).unwrap();
        let t = Theme::load("mine", Some(dir.path())).unwrap();
        assert_eq!(t.accent, Color::Red);
        let err = Theme::load("nope", Some(dir.path())).unwrap_err();
        assert!(err.contains("dark"), "{err}");
        std::fs::write(
            dir.path().join("themes/bad.toml"),
            "[colors]\nfg = \"notacolour\"\n",
        )
        .unwrap();
        assert!(Theme::load("bad", Some(dir.path())).is_err());
    }
}
