//! Pure rules of the domain: no I/O, no database, no HTTP. Values that pass
//! these parsers are valid everywhere else.
pub mod categories;
pub mod codes;
pub mod kms;
pub mod nik;
pub mod phone;
pub mod public_code;
pub mod schedule;
pub mod wilayah;
