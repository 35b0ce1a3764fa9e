//! Pure rules of the domain: no I/O, no database, no HTTP. Values that pass
//! these parsers are valid everywhere else.
pub mod codes;
pub mod phone;
pub mod wilayah;
