//! The chat bot end to end: signed provider webhooks in, the real server and
//! bot worker, replies out to the providers' stand-in.
mod common;
mod conversation;
mod delivery;
// The fault harness (`--features harness`): a private PostgreSQL cluster,
// a full disk.
#[cfg(feature = "harness")]
mod disk_full;
#[cfg(feature = "harness")]
mod faults;
mod killed;
mod officers;
mod registrations;
mod reminders;
mod reports;
mod senders;
mod sending;
mod webhooks;
