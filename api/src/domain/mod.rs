//! Pure rules of the domain: no I/O, no database, no HTTP. Values that pass
//! these parsers are valid everywhere else.
pub mod assessment;
pub mod categories;
pub mod chart;
pub mod codes;
pub mod delivery;
pub mod double_posts;
pub mod growth;
pub mod immunisation;
pub mod kms;
pub mod nik;
pub mod phone;
pub mod pregnancy;
pub mod public_code;
pub mod reminders;
pub mod reports;
pub mod schedule;
pub mod vitamin_a;
pub mod wilayah;
