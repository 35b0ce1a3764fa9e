//! Presentation of reports: the same numbers as files people open (CSV and
//! XLSX, in `table`) and as pictures for slides and WhatsApp (SVG, in
//! `charts`). Pure: values in, bytes or text out; no I/O, no database.
//!
//! CSV and SVG output is deterministic (same input, same bytes), so it can be
//! cached, compared in tests and served with a stable ETag. XLSX is too,
//! except for the creation time that the workbook carries in its properties.
pub mod charts;
pub mod table;
