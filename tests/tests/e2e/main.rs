//! End-to-end tests: the real server on a random port, real HTTP, on SQLite
//! or (with `POSYANDU_TEST_DATABASE_URL`) PostgreSQL. One test binary, so
//! the suite links once.
mod access_matrix;
mod audit;
mod auth;
mod growth;
mod idempotency;
mod lists;
mod maternal;
mod ops;
mod problems;
mod programme_reports;
mod registry;
mod reminders;
mod reports;
mod storage;
mod users;
