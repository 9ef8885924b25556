//! Code colours: syntect parses with the grammars bat curates (two-face); scopes map to the
//! theme's few syntax slots instead of a syntect theme, so colours follow the gatebench theme.

use std::sync::OnceLock;

use two_face::re_exports::syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use two_face::re_exports::syntect::util::LinesWithEndings;

use super::{Mark, Spans, Tint};

/// Bigger blocks, or longer lines (minified code), are shown without colours: grammar regexes
/// can be slow on them, and they are parsed on the UI thread.
const MAX_BYTES: usize = 256 * 1024;
const MAX_LINE: usize = 2_000;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Load the grammars ahead of the first code block (call from a background thread).
pub fn warm_up() {
    syntaxes();
    scope_table();
}

/// Scope prefixes and their slots, the first match from the innermost scope outwards wins.
fn scope_table() -> &'static [(Scope, Tint)] {
    static TABLE: OnceLock<Vec<(Scope, Tint)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        [
            ("comment", Tint::Comment),
            ("string", Tint::Str),
            ("constant.character.escape", Tint::Str),
            ("constant.numeric", Tint::Number),
            ("constant.language", Tint::Number),
            ("constant.other", Tint::Number),
            ("entity.name.function", Tint::Function),
            ("support.function", Tint::Function),
            ("variable.function", Tint::Function),
            ("entity.other.attribute-name", Tint::Function),
            ("entity.name.type", Tint::Type),
            ("entity.name.class", Tint::Type),
            ("entity.name.struct", Tint::Type),
            ("entity.name.enum", Tint::Type),
            ("support.type", Tint::Type),
            ("support.class", Tint::Type),
            ("storage.type", Tint::Keyword),
            ("storage.modifier", Tint::Keyword),
            ("keyword", Tint::Keyword),
            ("entity.name.tag", Tint::Keyword),
            ("variable.language", Tint::Keyword),
        ]
        .into_iter()
        .filter_map(|(s, t)| Some((Scope::new(s).ok()?, t)))
        .collect()
    })
}

fn classify(stack: &ScopeStack) -> Mark {
    let table = scope_table();
    for scope in stack.as_slice().iter().rev() {
        if let Some((_, t)) = table.iter().find(|(sel, _)| sel.is_prefix_of(*scope)) {
            let mut m = Mark::tint(*t);
            m.italic = *t == Tint::Comment;
            return m;
        }
    }
    Mark::PLAIN
}

fn plain(code: &str) -> Vec<Spans> {
    code.split('\n')
        .map(|l| vec![(expand_tabs(l), Mark::PLAIN)])
        .collect()
}

fn expand_tabs(s: &str) -> String {
    s.trim_end_matches('\r').replace('\t', "    ")
}

/// The lines of `code`, each as styled pieces. Unknown languages come back plain.
pub fn highlight(lang: &str, code: &str) -> Vec<Spans> {
    let set = syntaxes();
    let syntax = (!lang.is_empty())
        .then(|| set.find_syntax_by_token(lang))
        .flatten();
    let Some(syntax) =
        syntax.filter(|_| code.len() <= MAX_BYTES && code.split('\n').all(|l| l.len() <= MAX_LINE))
    else {
        return plain(code);
    };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(ops) = state.parse_line(line, set) else {
            return plain(code);
        };
        let mut spans = Spans::new();
        let mut pos = 0;
        let mut push = |s: &str, m: Mark| {
            let s = expand_tabs(s.trim_end_matches('\n'));
            if !s.is_empty() {
                spans.push((s, m));
            }
        };
        for (at, op) in ops {
            let at = at.min(line.len());
            if at > pos {
                push(&line[pos..at], classify(&stack));
                pos = at;
            }
            if stack.apply(&op).is_err() {
                return plain(code);
            }
        }
        push(&line[pos..], classify(&stack));
        out.push(spans);
    }
    if code.is_empty() || code.ends_with('\n') {
        out.push(Spans::new());
    }
    out
}
