//! Key bindings: `{keys, command, description}` entries, overridable from the config's `[keys]`
//! table. The help overlay is generated from the same list.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;

pub use super::keys::{KeySpec, parse_key};
pub use command::{Command, ConfirmCmd, FormCmd, Layer, ListCmd, PaneCmd};
use defaults::{confirm_defaults, defaults, form_defaults, list_defaults, panes_defaults};

mod command;
mod defaults;

#[derive(Debug, Clone)]
pub struct Binding {
    pub layer: Layer,
    pub keys: Vec<KeySpec>,
    pub command: Command,
    pub description: &'static str,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn parse_list(s: &str) -> Result<Vec<KeySpec>, String> {
    s.split(',')
        .map(|k| parse_key(k).ok_or_else(|| format!("cannot read key {:?}", k.trim())))
        .collect()
}

impl Keymap {
    /// Defaults with the config's overrides (`command = "key, key"`); unknown names are errors.
    pub fn new(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let layered = [
            (Layer::Global, defaults()),
            (Layer::Panes, panes_defaults()),
            (Layer::List, list_defaults()),
            (Layer::Confirm, confirm_defaults()),
            (Layer::Form, form_defaults()),
        ];
        let mut bindings: Vec<Binding> = layered
            .into_iter()
            .flat_map(|(layer, list)| {
                list.into_iter()
                    .map(move |(command, keys, description)| Binding {
                        layer,
                        keys: parse_list(keys).unwrap_or_default(),
                        command,
                        description,
                    })
            })
            .collect();
        for (name, keys) in overrides {
            let b = bindings
                .iter_mut()
                .find(|b| b.command.name() == *name)
                .ok_or_else(|| format!("[keys]: unknown command {name:?}"))?;
            b.keys = parse_list(keys).map_err(|e| format!("[keys] {name}: {e}"))?;
        }
        // One key, one command: a key bound twice would silently do only the first. A global key
        // comes before every layer's, so a layer may not reuse one either.
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                let shadowed = |x: Layer, y: Layer| x == Layer::Global && y.under_global();
                let meet =
                    a.layer == b.layer || shadowed(a.layer, b.layer) || shadowed(b.layer, a.layer);
                if !meet {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    return Err(format!(
                        "[keys]: {k} is bound to both {} and {}; give one of them another key",
                        a.command.name(),
                        b.command.name()
                    ));
                }
            }
        }
        Ok(Self { bindings })
    }

    /// The first key bound to `cmd`, as the screen names it (`Ctrl-S`); `None` when unbound.
    pub fn key_for(&self, cmd: Command) -> Option<String> {
        self.key_in(cmd, false)
    }

    /// The first key that runs `cmd` where the focus is; inside a text input plain keys type, so
    /// they are skipped.
    pub fn key_in(&self, cmd: Command, in_text: bool) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.command == cmd)?
            .keys
            .iter()
            .find(|k| !(in_text && k.is_plain()))
            .map(ToString::to_string)
    }

    /// The keys of a numbered command as a range, `1-9` or `Alt-1-Alt-9`, for messages.
    pub fn range(&self, first: Command, last: Command) -> String {
        match (self.key_for(first), self.key_for(last)) {
            (Some(a), Some(b)) => format!("{a}-{b}"),
            (Some(a), None) => a,
            _ => "(unbound)".into(),
        }
    }

    /// The global command for a key. `in_text` is true when a text input has focus: plain keys
    /// type there.
    pub fn lookup(&self, key: &KeyEvent, in_text: bool) -> Option<Command> {
        self.lookup_in(Layer::Global, key, in_text)
    }

    /// The list layer's command for a key (`in_text`: a search box has the focus).
    pub fn list(&self, key: &KeyEvent, in_text: bool) -> Option<ListCmd> {
        match self.lookup_in(Layer::List, key, in_text) {
            Some(Command::List(c)) => Some(c),
            _ => None,
        }
    }

    /// The question layer's answer for a key; `None` is no.
    pub fn confirm(&self, key: &KeyEvent) -> Option<ConfirmCmd> {
        match self.lookup_in(Layer::Confirm, key, false) {
            Some(Command::Confirm(c)) => Some(c),
            _ => None,
        }
    }

    /// The form layer's command for a key (a field has the focus: plain keys type).
    pub fn form(&self, key: &KeyEvent) -> Option<FormCmd> {
        match self.lookup_in(Layer::Form, key, true) {
            Some(Command::Form(c)) => Some(c),
            _ => None,
        }
    }

    /// The command `layer` binds to a key.
    pub fn lookup_in(&self, layer: Layer, key: &KeyEvent, in_text: bool) -> Option<Command> {
        self.bindings
            .iter()
            .filter(|b| b.layer == layer)
            .find(|b| {
                b.keys
                    .iter()
                    .any(|k| k.matches(key) && !(in_text && k.is_plain()))
            })
            .map(|b| b.command)
    }

    /// (keys, description) for the help overlay. Paired commands share a row, and the nine
    /// numbered entries fold into one, so the list fits an 80x24 terminal.
    pub fn help_rows(&self) -> Vec<(String, String)> {
        let keys_of = |c: Command| {
            self.bindings
                .iter()
                .find(|b| b.command == c)
                .map(|b| {
                    b.keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let pairs = [
            (
                Command::FocusNext,
                Command::FocusPrev,
                "focus the next / previous region",
            ),
            (
                Command::RouteNext,
                Command::RoutePrev,
                "focused pane: next / previous route (or its plain model)",
            ),
            (
                Command::SortNext,
                Command::SortReverse,
                "session stats: sort by the next column / reverse",
            ),
            (
                Command::FindNext,
                Command::FindPrev,
                "search: next / previous match",
            ),
            (
                Command::RateUp,
                Command::RateDown,
                "rate the focused pane's answer 5 (good) / 1 (bad)",
            ),
        ];
        let mut rows = Vec::new();
        for b in &self.bindings {
            if let Some((a, second, desc)) = pairs
                .iter()
                .find(|(a, second, _)| *a == b.command || *second == b.command)
            {
                if *a == b.command {
                    rows.push((
                        format!("{} / {}", keys_of(*a), keys_of(*second)),
                        desc.to_string(),
                    ));
                }
                continue;
            }
            let keys = keys_of(b.command);
            match b.command {
                Command::JumpPane(n) | Command::ToggleRoute(n) if n > 1 => continue,
                Command::JumpPane(_) | Command::ToggleRoute(_) => {
                    rows.push((keys.replace('1', "1..9"), b.description.to_string()));
                }
                _ => rows.push((keys, format!("{}{}", b.layer.label(), b.description))),
            }
        }
        rows
    }
}

mod listing;

#[cfg(test)]
mod tests;
