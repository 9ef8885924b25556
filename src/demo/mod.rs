//! The built-in demo gateway: a real OpenAI-compatible HTTP server on loopback with simulated
//! models, so that a new user, and every test, has a gateway without a key or a network.

pub mod account;
pub mod ask;
pub mod formats;
pub mod generations;
pub mod models;
pub mod prefix;
pub mod script;
pub mod server;
pub mod stream;
pub mod text;
pub mod tools;
pub mod wire;

pub use server::{DEMO_KEY, DemoConfig, DemoHandle, spawn};

/// Models the demo profile selects when none are named.
pub const DEFAULT_MODELS: &[&str] = &["demo/fast-mini", "demo/pro-large", "demo/reasoner"];
