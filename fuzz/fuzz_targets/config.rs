//! The config loader on any text: a config or a clear error, never a panic; and every profile of
//! a config that loads resolves or errs cleanly.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;

use gatebench::config::{self, Selection};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = config::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    let env: BTreeMap<String, String> = BTreeMap::new();
    let mut names: Vec<String> = config::BUILTIN.iter().map(|b| b.0.to_string()).collect();
    names.extend(cfg.profiles.keys().cloned());
    for name in names {
        let sel = Selection {
            profile: Some(name),
            ..Default::default()
        };
        let _ = config::resolve(&cfg, &sel, &env);
    }
    let _ = cfg.routes(true);
    let _ = gatebench::app::keymap::Keymap::new(&cfg.keys);
});
