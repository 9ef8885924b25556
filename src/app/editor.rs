//! The prompt editor: a multi-line text area, the request parameters, and the last prompt sent.

use crossterm::event::KeyEvent;
use ratatui::style::{Modifier, Style};
use ratatui_textarea::TextArea;

use super::forms::Params;
use super::keymap::{Command, Keymap};

pub struct Editor {
    pub area: TextArea<'static>,
    pub params: Params,
    pub last_prompt: Option<String>,
    placeholder: String,
}

impl Editor {
    pub fn new(keymap: &Keymap) -> Self {
        let send = keymap.key_for(Command::Send).unwrap_or_else(|| "?".into());
        let placeholder = format!("Write a prompt. Enter: new line, {send}: send to all");
        let mut e = Self {
            area: TextArea::default(),
            params: Params::default(),
            last_prompt: None,
            placeholder,
        };
        e.clear();
        e
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Empty the text area; it keeps its placeholder.
    pub fn clear(&mut self) {
        self.area = TextArea::default();
        self.area.set_placeholder_text(self.placeholder.clone());
    }

    pub fn placeholder(&self) -> &str {
        &self.placeholder
    }

    pub fn input(&mut self, k: KeyEvent) {
        self.area.input(k);
    }

    pub fn paste(&mut self, text: &str) {
        self.area
            .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
    }

    /// The `@path` being written just before the cursor (without the `@`).
    pub fn mention_at_cursor(&self) -> Option<String> {
        let c = self.area.cursor();
        let (row, col) = (c.0, c.1);
        let line = self.area.lines().get(row)?;
        let before: String = line.chars().take(col).collect();
        let word = before.rsplit(char::is_whitespace).next()?;
        word.strip_prefix('@').map(str::to_string)
    }

    /// Replace the `@path` before the cursor with `@{with}`.
    pub fn replace_mention(&mut self, with: &str) {
        if let Some(old) = self.mention_at_cursor() {
            for _ in 0..old.chars().count() {
                self.area.delete_char();
            }
            self.area.insert_str(with);
        }
    }

    /// Only the focused editor shows a cursor.
    pub fn show_cursor(&mut self, on: bool) {
        let style = if on {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        self.area.set_cursor_style(style);
    }
}
