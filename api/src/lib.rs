//! The posyandu API server and the `posyandu` command.
//!
//! Layout: `routes` (HTTP, thin) → `services` (queries and mutations, area
//! scoped) → `entity` tables; `domain` holds the pure rules; `access` decides
//! who may do what where; `auth` knows who is calling.

/// `println!` that does not panic when standard output is closed (e.g.
/// `posyandu demo | head`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod access;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod local;
pub mod middleware;
pub mod pagination;
pub mod render;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
