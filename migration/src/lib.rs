//! Schema history. Every migration has a `down`, and runs unchanged on SQLite
//! and PostgreSQL (CI checks up → down → up on both).
//!
//! Conventions every table follows:
//! - `created_at` / `updated_at` in UTC on every row;
//! - rows people depend on carry `deleted_at` / `deleted_by` and are never
//!   hard-deleted through the API;
//! - rows that access control filters on carry their area columns.
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_areas;
mod m20261122_000002_accounts;
mod m20261122_000003_audit_idempotency;
mod m20261122_000004_registry;
mod m20261122_000005_maternal;
mod m20261201_000006_messages;
mod m20261202_000007_delivery;
mod m20261202_000008_reports;
pub mod m20261203_000009_child_month;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_areas::Migration),
            Box::new(m20261122_000002_accounts::Migration),
            Box::new(m20261122_000003_audit_idempotency::Migration),
            Box::new(m20261122_000004_registry::Migration),
            Box::new(m20261122_000005_maternal::Migration),
            Box::new(m20261201_000006_messages::Migration),
            Box::new(m20261202_000007_delivery::Migration),
            Box::new(m20261202_000008_reports::Migration),
            Box::new(m20261203_000009_child_month::Migration),
        ]
    }
}
