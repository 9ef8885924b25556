//! Test scaffolding shared by the integration tests; each test crate uses part of it.
#![allow(dead_code)]

pub mod demo;
pub mod raw;
pub mod replay;
pub mod tmux;
