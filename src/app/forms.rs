//! Forms of one-line text fields: the request parameters and the route editor. Typed fields, each
//! edited like a text input (cursor, Home/End, Ctrl-U/W/K); Enter submits, Esc cancels.

use crossterm::event::KeyEvent;

use super::keymap::FormCmd;
pub use super::textfield::TextField;
use super::view::{Ask, Ctx, Keyed, Outcome, View};
use crate::route::{Route, RouteConfig};

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Submit,
    Cancel,
    Edited,
}

/// A form's fields in order, for moving between them and for drawing.
pub trait Form {
    fn fields(&self) -> Vec<(&'static str, &TextField)>;
    fn field_mut(&mut self, i: usize) -> &mut TextField;
    fn active(&self) -> usize;
    fn set_active(&mut self, i: usize);
}

/// Keys inside a form: the key map's form layer (`cmd`) moves between fields, submits or
/// cancels; any other key edits the active field.
pub fn on_form_key(form: &mut impl Form, cmd: Option<FormCmd>, k: &KeyEvent) -> FormKey {
    let n = form.fields().len();
    let i = form.active();
    match cmd {
        Some(FormCmd::Cancel) => return FormKey::Cancel,
        Some(FormCmd::Submit) => return FormKey::Submit,
        Some(FormCmd::Next) => form.set_active((i + 1) % n),
        Some(FormCmd::Prev) => form.set_active((i + n - 1) % n),
        None => {
            form.field_mut(i).edit(k);
        }
    }
    FormKey::Edited
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub system: String,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// The parameters form: system prompt, max tokens, temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsForm {
    pub system: TextField,
    pub max_tokens: TextField,
    pub temperature: TextField,
    pub active: usize,
    pub error: Option<String>,
}

impl ParamsForm {
    pub fn new(p: &Params) -> Self {
        let opt = |v: Option<String>| TextField::new(v.unwrap_or_default());
        Self {
            system: TextField::new(p.system.clone()),
            max_tokens: opt(p.max_tokens.map(|v| v.to_string())),
            temperature: opt(p.temperature.map(|v| v.to_string())),
            active: 0,
            error: None,
        }
    }

    pub fn parse(&self) -> Result<Params, String> {
        let max_tokens =
            match self.max_tokens.text.trim() {
                "" => None,
                v => Some(v.parse::<u32>().ok().filter(|n| *n > 0).ok_or(
                    "max tokens: a whole number above 0, or empty for the server's default",
                )?),
            };
        let temperature = match self.temperature.text.trim() {
            "" => None,
            v => Some(
                v.parse::<f32>()
                    .ok()
                    .filter(|t| (0.0..=2.0).contains(t))
                    .ok_or(
                        "temperature: a number from 0 to 2, or empty for the server's default",
                    )?,
            ),
        };
        Ok(Params {
            system: self.system.text.clone(),
            max_tokens,
            temperature,
        })
    }
}

impl Form for ParamsForm {
    fn fields(&self) -> Vec<(&'static str, &TextField)> {
        vec![
            ("system prompt", &self.system),
            ("max tokens", &self.max_tokens),
            ("temperature", &self.temperature),
        ]
    }
    fn field_mut(&mut self, i: usize) -> &mut TextField {
        match i {
            0 => &mut self.system,
            1 => &mut self.max_tokens,
            _ => &mut self.temperature,
        }
    }
    fn active(&self) -> usize {
        self.active
    }
    fn set_active(&mut self, i: usize) {
        self.active = i;
    }
}

/// Editing a route: chain, failures that move on, retries, first-token deadline. Settings the form
/// does not show (backoff, `restart_after_content`) are kept from the route it opened.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteForm {
    pub name: String,
    pub chain: TextField,
    pub on: TextField,
    pub retries: TextField,
    pub first_token_ms: TextField,
    pub active: usize,
    pub error: Option<String>,
    /// The route as opened: everything the fields do not cover comes from here.
    pub base: RouteConfig,
}

impl RouteForm {
    pub fn open(route: &Route) -> Self {
        let base = route.to_config();
        Self {
            name: route.name.clone(),
            chain: TextField::new(base.chain.join(", ")),
            on: TextField::new(base.on.join(", ")),
            retries: TextField::new(base.retries.to_string()),
            first_token_ms: TextField::new(
                base.first_token_timeout_ms
                    .map_or(String::new(), |v| v.to_string()),
            ),
            active: 0,
            error: None,
            base,
        }
    }

    /// A new route for a model without one: the model first, a backup to fill in.
    pub fn new_for(model: &str) -> Self {
        let mut f = Self::open(&Route::single(model));
        f.name = format!("{model}-fallback");
        f.chain = TextField::new(format!("{model}, "));
        f.retries = TextField::new("1");
        f.base.on.clear();
        f.on = TextField::default();
        f.base.backoff_ms = RouteConfig::default().backoff_ms;
        f.base.max_backoff_ms = RouteConfig::default().max_backoff_ms;
        f
    }

    pub fn parse(&self) -> Result<Route, String> {
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        let retries = match self.retries.text.trim() {
            "" => 0,
            v => v
                .parse()
                .map_err(|_| "retries: a whole number".to_string())?,
        };
        let first_token_timeout_ms = match self.first_token_ms.text.trim() {
            "" => None,
            v => Some(
                v.parse()
                    .map_err(|_| "first token ms: a whole number, or empty for none".to_string())?,
            ),
        };
        let c = RouteConfig {
            chain: list(&self.chain.text),
            on: list(&self.on.text),
            retries,
            first_token_timeout_ms,
            ..self.base.clone()
        };
        Route::from_config(&self.name, &c)
    }
}

impl Form for RouteForm {
    fn fields(&self) -> Vec<(&'static str, &TextField)> {
        vec![
            ("chain", &self.chain),
            ("move on after", &self.on),
            ("retries", &self.retries),
            ("first token ms", &self.first_token_ms),
        ]
    }
    fn field_mut(&mut self, i: usize) -> &mut TextField {
        match i {
            0 => &mut self.chain,
            1 => &mut self.on,
            2 => &mut self.retries,
            _ => &mut self.first_token_ms,
        }
    }
    fn active(&self) -> usize {
        self.active
    }
    fn set_active(&mut self, i: usize) {
        self.active = i;
    }
}

/// Keys of either form: what they did, as the overlay's outcome.
fn form_outcome<F: Form>(
    form: &mut F,
    key: &Keyed,
    submit: impl FnOnce(&F) -> Result<Ask, String>,
    error: impl FnOnce(&mut F) -> &mut Option<String>,
) -> Outcome {
    match on_form_key(form, key.form, &key.event) {
        FormKey::Cancel => Outcome::Close,
        FormKey::Submit => match submit(form) {
            Ok(ask) => Outcome::Then(ask),
            Err(e) => {
                *error(form) = Some(e);
                Outcome::Stay
            }
        },
        FormKey::Edited => Outcome::Stay,
    }
}

/// Pasted text goes into the active field (its first line).
fn paste_into(form: &mut impl Form, text: &str) -> Outcome {
    let i = form.active();
    form.field_mut(i).insert(text.lines().next().unwrap_or(""));
    Outcome::Stay
}

impl View for ParamsForm {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        form_outcome(
            self,
            key,
            |f| f.parse().map(Ask::SetParams),
            |f| &mut f.error,
        )
    }

    fn paste(&mut self, text: &str, _: &mut Ctx) -> Outcome {
        paste_into(self, text)
    }

    fn returns_to_editor(&self) -> bool {
        true
    }
}

impl View for RouteForm {
    fn on(&mut self, key: &Keyed, _: &mut Ctx) -> Outcome {
        let save = |f: &RouteForm| f.parse().map(|r| Ask::SaveRoute(Box::new(r)));
        form_outcome(self, key, save, |f| &mut f.error)
    }

    fn paste(&mut self, text: &str, _: &mut Ctx) -> Outcome {
        paste_into(self, text)
    }

    fn returns_to_editor(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn text_field_edits_like_a_line_editor() {
        let mut f = TextField::new("hello world");
        assert_eq!(f.cursor, 11);
        f.edit(&k(KeyCode::Left));
        f.edit(&k(KeyCode::Left));
        f.edit(&k(KeyCode::Char('X')));
        assert_eq!(f.text, "hello worXld");
        f.edit(&ctrl('k'));
        assert_eq!(f.text, "hello worX");
        f.edit(&ctrl('w'));
        assert_eq!(f.text, "hello ");
        f.edit(&k(KeyCode::Home));
        f.edit(&k(KeyCode::Delete));
        assert_eq!((f.text.as_str(), f.cursor), ("ello ", 0));
        f.edit(&k(KeyCode::End));
        f.edit(&k(KeyCode::Backspace));
        f.insert("ü\n!");
        assert_eq!(f.text, "elloü!");
        f.edit(&ctrl('u'));
        assert_eq!((f.text.as_str(), f.cursor), ("", 0));
        assert!(!f.edit(&k(KeyCode::F(5))));
        f.edit(&k(KeyCode::Backspace));
        f.edit(&k(KeyCode::Right));
        assert_eq!((f.text.as_str(), f.cursor), ("", 0));
    }

    #[test]
    fn params_form_round_trips_and_validates() {
        let p = Params {
            system: "be brief".into(),
            max_tokens: Some(64),
            temperature: Some(0.5),
        };
        let mut f = ParamsForm::new(&p);
        assert_eq!(f.parse().unwrap(), p);
        f.temperature = TextField::new("NaN");
        assert!(f.parse().unwrap_err().contains("temperature"));
        f.temperature = TextField::new("2.5");
        assert!(f.parse().is_err());
        f.temperature = TextField::default();
        f.max_tokens = TextField::new("0");
        assert!(f.parse().unwrap_err().contains("max tokens"));
        let km = super::super::keymap::Keymap::new(&Default::default()).unwrap();
        let on = |f: &mut ParamsForm, key: KeyEvent| on_form_key(f, km.form(&key), &key);
        assert_eq!(on(&mut f, k(KeyCode::Tab)), FormKey::Edited);
        assert_eq!(f.active, 1);
        on(&mut f, k(KeyCode::BackTab));
        on(&mut f, k(KeyCode::Up));
        assert_eq!(f.active, 2);
        assert_eq!(on(&mut f, k(KeyCode::Esc)), FormKey::Cancel);
        assert_eq!(on(&mut f, k(KeyCode::Enter)), FormKey::Submit);
    }

    #[test]
    fn the_route_form_round_trips_every_route_unchanged() {
        let mut routes: Vec<Route> = crate::route::demo_routes()
            .iter()
            .map(|(n, c)| Route::from_config(n, c).unwrap())
            .collect();
        let every_field = RouteConfig {
            chain: vec!["a".into(), "b".into(), "c".into()],
            on: vec!["429".into(), "upstream".into(), "malformed".into()],
            retries: 3,
            backoff_ms: 123,
            max_backoff_ms: 4567,
            first_token_timeout_ms: Some(890),
            restart_after_content: true,
            rules: vec![crate::route::rules::RuleConfig {
                model: "c".into(),
                tools: Some(true),
                ..Default::default()
            }],
        };
        routes.push(Route::from_config("all", &every_field).unwrap());
        routes.push(
            Route::from_config(
                "defaults",
                &RouteConfig {
                    chain: vec!["x".into()],
                    ..Default::default()
                },
            )
            .unwrap(),
        );
        for r in routes {
            let mut f = RouteForm::open(&r);
            assert_eq!(
                f.parse().unwrap(),
                r,
                "opened and saved without a change: {}",
                r.name
            );
            // Editing a shown field keeps the hidden ones.
            f.retries = TextField::new("0");
            let edited = f.parse().unwrap();
            assert_eq!(edited.retries, 0);
            assert_eq!(edited.restart_after_content, r.restart_after_content);
            assert_eq!(
                (edited.backoff, edited.max_backoff),
                (r.backoff, r.max_backoff)
            );
        }
    }
}
