//! The chat language of kader and mothers (see CHAT.md): what a message
//! means, and the texts the bot answers with. Pure: no I/O.
pub mod command;
pub mod grammar;
pub mod help;
pub mod normalise;
pub mod sms;
pub mod values;

pub use command::*;
pub use grammar::parse;

#[cfg(test)]
mod table_tests;
