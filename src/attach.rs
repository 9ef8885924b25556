//! Attachments: files and folders read into the prompt, their token counts, and whether the result
//! fits each model's context window. Reading is the only IO here; the rest is pure.

use std::path::{Path, PathBuf};

/// Limits on what one attachment may read, so a stray `@/` cannot fill memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A folder above this many bytes (or files) needs a confirmation (`--yes`, or a key).
    pub ask_bytes: u64,
    pub ask_files: usize,
    /// Never read more than this in one attachment, confirmed or not.
    pub max_bytes: u64,
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            ask_bytes: 1 << 20,
            ask_files: 200,
            max_bytes: 64 << 20,
            max_files: 20_000,
        }
    }
}

/// One text file of an attachment, its path as the user wrote it (or relative to the folder).
#[derive(Debug, Clone, PartialEq)]
pub struct FileText {
    pub path: String,
    pub text: String,
}

/// One `@path` or `--attach PATH`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub path: String,
    pub files: Vec<FileText>,
    /// Binary or unreadable files a folder held, skipped by name.
    pub skipped: Vec<String>,
    pub bytes: u64,
    /// o200k tokens of what goes into the prompt for this attachment (its framing included).
    pub tokens: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttachError {
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} is a binary file ({why}): only text can be attached")]
    Binary { path: String, why: String },
    #[error(
        "{path} is a large folder: {files} files, {} (~{} tokens); confirm to attach it anyway",
        crate::format::size(*bytes), crate::format::thousands(*tokens)
    )]
    Large {
        path: String,
        files: usize,
        bytes: u64,
        tokens: u64,
    },
    #[error("{path} holds more than {limit}; attach a smaller part of it")]
    TooBig { path: String, limit: String },
    #[error("{path} holds no text file")]
    Empty { path: String },
}

/// Why a file's bytes are not text, if they are not: a NUL byte or invalid UTF-8.
pub fn binary_reason(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some("it holds NUL bytes".into());
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        // A multi-byte character cut short at the very end is not binary; anything else is.
        Err(e) if e.error_len().is_none() => None,
        Err(e) => Some(format!("not UTF-8 at byte {}", e.valid_up_to())),
    }
}

/// The prompt text of one file: fenced by its path so the model can tell files apart.
fn frame(f: &FileText) -> String {
    format!(
        "<file path=\"{}\">\n{}\n</file>\n",
        f.path,
        f.text.trim_end()
    )
}

/// The full prompt: every attachment's files, then the question.
pub fn compose(prompt: &str, attachments: &[Attachment]) -> String {
    let mut out = String::new();
    for f in attachments.iter().flat_map(|a| &a.files) {
        out.push_str(&frame(f));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(prompt);
    out
}

fn tokens_of(files: &[FileText]) -> u64 {
    files
        .iter()
        .map(|f| crate::metrics::estimate_tokens(&frame(f)))
        .sum()
}

fn unreadable(path: &Path, e: std::io::Error) -> AttachError {
    AttachError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Read `path`: a text file, or a folder's text files (hidden entries and build folders left out).
/// A folder over `ask_*` fails with `Large` unless `confirmed`.
pub fn load(path: &str, limits: Limits, confirmed: bool) -> Result<Attachment, AttachError> {
    let p = Path::new(path);
    let meta = std::fs::metadata(p).map_err(|e| unreadable(p, e))?;
    if !meta.is_dir() {
        if meta.len() > limits.max_bytes {
            return Err(AttachError::TooBig {
                path: path.into(),
                limit: crate::format::size(limits.max_bytes),
            });
        }
        let bytes = std::fs::read(p).map_err(|e| unreadable(p, e))?;
        if let Some(why) = binary_reason(&bytes) {
            return Err(AttachError::Binary {
                path: path.into(),
                why,
            });
        }
        let files = vec![FileText {
            path: path.into(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }];
        return Ok(Attachment {
            path: path.into(),
            tokens: tokens_of(&files),
            bytes: bytes.len() as u64,
            files,
            skipped: Vec::new(),
        });
    }
    let mut found = Vec::new();
    walk(p, &mut found, limits.max_files + 1).map_err(|e| unreadable(p, e))?;
    found.sort();
    if found.len() > limits.max_files {
        return Err(AttachError::TooBig {
            path: path.into(),
            limit: format!("{} files", limits.max_files),
        });
    }
    read_folder(path, &found, limits, confirmed)
}

fn read_folder(
    path: &str,
    found: &[(PathBuf, u64)],
    limits: Limits,
    confirmed: bool,
) -> Result<Attachment, AttachError> {
    let bytes: u64 = found.iter().map(|(_, n)| n).sum();
    if bytes > limits.max_bytes {
        return Err(AttachError::TooBig {
            path: path.into(),
            limit: crate::format::size(limits.max_bytes),
        });
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for (f, _) in found {
        let shown = f.display().to_string();
        match std::fs::read(f) {
            Ok(b) if binary_reason(&b).is_none() => files.push(FileText {
                path: shown,
                text: String::from_utf8_lossy(&b).into_owned(),
            }),
            _ => skipped.push(shown),
        }
    }
    if files.is_empty() {
        return Err(AttachError::Empty { path: path.into() });
    }
    let tokens = tokens_of(&files);
    if !confirmed && (bytes > limits.ask_bytes || files.len() > limits.ask_files) {
        return Err(AttachError::Large {
            path: path.into(),
            files: files.len(),
            bytes,
            tokens,
        });
    }
    Ok(Attachment {
        path: path.into(),
        files,
        skipped,
        bytes,
        tokens,
    })
}

/// Folders no one means to send: version control, dependencies, build output.
const SKIP_DIRS: [&str; 6] = [
    ".git",
    "target",
    "node_modules",
    "__pycache__",
    ".venv",
    "dist",
];

fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64)>, cap: usize) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= cap {
            return Ok(());
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || SKIP_DIRS.contains(&name.as_str()) {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), out, cap)?;
        } else if ft.is_file() {
            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
            out.push((e.path(), len));
        }
    }
    Ok(())
}

/// How a prompt of `tokens` (plus room for `reply` tokens) sits in a window of `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// The model lists no context length.
    Unknown,
    Fits {
        used: f64,
    },
    /// The prompt fits but leaves less than the reply needs.
    Tight {
        used: f64,
    },
    Over {
        by: u64,
    },
}

pub fn fit(tokens: u64, reply: u64, window: Option<u64>) -> Fit {
    let Some(w) = window.filter(|w| *w > 0) else {
        return Fit::Unknown;
    };
    let used = tokens as f64 / w as f64;
    if tokens > w {
        Fit::Over { by: tokens - w }
    } else if tokens + reply > w {
        Fit::Tight { used }
    } else {
        Fit::Fits { used }
    }
}

impl Fit {
    /// Short words for a status line: "42%", "tight 97%", "over by 1,204", "?".
    pub fn label(&self) -> String {
        match self {
            Fit::Unknown => "window unknown".into(),
            Fit::Fits { used } => format!("{:.0}%", used * 100.0),
            Fit::Tight { used } => format!("tight {:.0}%", used * 100.0),
            Fit::Over { by } => format!("over by {}", crate::format::thousands(*by)),
        }
    }

    pub fn is_over(&self) -> bool {
        matches!(self, Fit::Over { .. })
    }
}

/// Each model's fit: the prompt's estimated tokens plus `reply` against its listed window.
pub fn fits(
    messages: &[crate::gateway::wire::Message],
    reply: u64,
    models: &[String],
    listed: &[crate::gateway::wire::ModelInfo],
) -> Vec<(String, u64, Option<u64>, Fit)> {
    let tokens = crate::metrics::estimate_prompt_tokens(messages);
    models
        .iter()
        .map(|m| {
            let window = listed
                .iter()
                .find(|x| &x.id == m)
                .and_then(|x| x.context_length);
            (m.clone(), tokens, window, fit(tokens, reply, window))
        })
        .collect()
}

/// Completions of a path being typed: the entries of its folder (`(name, is a folder)`) whose
/// names start with what follows its last `/`, as whole paths (folders end in `/`). Hidden entries
/// only when asked for with a leading dot.
pub fn completions(prefix: &str, entries: &[(String, bool)]) -> Vec<String> {
    let (dir, stem) = match prefix.rfind('/') {
        Some(i) => (&prefix[..=i], &prefix[i + 1..]),
        None => ("", prefix),
    };
    let mut out: Vec<String> = entries
        .iter()
        .filter(|(name, _)| {
            name.starts_with(stem) && (stem.starts_with('.') || !name.starts_with('.'))
        })
        .map(|(name, is_dir)| format!("{dir}{name}{}", if *is_dir { "/" } else { "" }))
        .collect();
    out.sort();
    out
}

/// The longest start every candidate shares.
pub fn common_start(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut n = first.len();
    for c in &candidates[1..] {
        n = first
            .char_indices()
            .zip(c.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(n);
    }
    first[..n].to_string()
}

/// Read the folder of `prefix` (at most 2,000 entries) and complete it.
pub fn complete_path(prefix: &str) -> Vec<String> {
    let dir = match prefix.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => prefix[..i].to_string(),
        None => ".".to_string(),
    };
    let entries: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .take(2000)
                .map(|e| {
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    (e.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect()
        })
        .unwrap_or_default();
    completions(prefix, &entries)
}

/// Every `@path` word of a prompt, in order, without the `@`. A word is `@` at the start or after
/// whitespace, up to the next whitespace; `@@` escapes a literal `@`.
pub fn mentions(prompt: &str) -> Vec<&str> {
    prompt
        .split_whitespace()
        .filter_map(|w| w.strip_prefix('@'))
        .filter(|p| !p.is_empty() && !p.starts_with('@'))
        .collect()
}

#[cfg(test)]
#[path = "attach_tests.rs"]
mod tests;
