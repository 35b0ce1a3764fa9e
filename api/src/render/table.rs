//! One tabular model of a report, written as CSV or as an XLSX workbook.
//!
//! A report builds `Sheet`s of typed `Cell`s once; the formats decide how each
//! kind of value looks. Typed cells matter for XLSX, where a percentage is
//! stored as its ratio so that Excel can compute with it, and a date as a
//! date; in CSV everything becomes text that a spreadsheet reads back right.
use std::collections::HashSet;

use chrono::NaiveDate;
use rust_xlsxwriter::{ColNum, Format, FormatBorder, RowNum, Workbook, Worksheet, XlsxError};

/// One value of a report cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Number(f64),
    /// a ratio 0..1 shown as a percentage
    Percent(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(value.to_owned())
    }
}

impl From<&String> for Cell {
    fn from(value: &String) -> Self {
        Cell::Text(value.clone())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}

impl From<i32> for Cell {
    fn from(value: i32) -> Self {
        Cell::Int(value.into())
    }
}

impl From<u32> for Cell {
    fn from(value: u32) -> Self {
        Cell::Int(value.into())
    }
}

impl From<u64> for Cell {
    fn from(value: u64) -> Self {
        // No count in a report comes near i64::MAX; should one, a number is
        // still better than a wrapped negative integer.
        i64::try_from(value).map_or(Cell::Number(value as f64), Cell::Int)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Number(value)
    }
}

impl From<bool> for Cell {
    fn from(value: bool) -> Self {
        Cell::Bool(value)
    }
}

impl From<NaiveDate> for Cell {
    fn from(value: NaiveDate) -> Self {
        Cell::Date(value)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// A table: one sheet of a workbook, one section of a CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Sheet name; sanitised to Excel's rules when written (at most 31
    /// characters, none of `[]:*?/\`, unique in the workbook).
    pub name: String,
    /// A human title line, e.g. "SKDN Kabupaten Buleleng, November 2026".
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        columns: impl IntoIterator<Item = impl Into<String>>,
    ) -> Sheet {
        Sheet {
            name: name.into(),
            title: title.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Columns of the widest line: a row longer than the header is written
    /// whole rather than cut, and shorter lines are padded.
    fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .fold(self.columns.len(), usize::max)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "sheet {sheet:?} is too large for Excel: {rows} rows and {columns} columns \
         (at most {MAX_DATA_ROWS} rows and {MAX_COLUMNS} columns fit)"
    )]
    TooLarge {
        sheet: String,
        rows: usize,
        columns: usize,
    },
    #[error("could not write the XLSX workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

// ---------------------------------------------------------------- CSV

const BOM: &[u8] = "\u{feff}".as_bytes();
const CRLF: &str = "\r\n";

/// CSV after RFC 4180, for Excel as it is set up on Indonesian laptops: UTF-8
/// with a byte-order mark (without it Excel guesses a legacy code page and
/// breaks names like "Désa"), comma separated, CRLF line ends.
///
/// One sheet is plain CSV (header and rows) that any tool loads. Several
/// sheets become sections, each led by its title line and separated by an
/// empty line.
pub fn to_csv(sheets: &[Sheet]) -> Vec<u8> {
    let mut out = String::new();
    let with_titles = sheets.len() > 1;
    for (index, sheet) in sheets.iter().enumerate() {
        if index > 0 {
            out.push_str(CRLF);
        }
        if with_titles {
            // Always quoted, so that a title with a comma stays one field.
            out.push('"');
            out.push_str(&guard_formula(&sheet.title).replace('"', "\"\""));
            out.push('"');
            out.push_str(CRLF);
        }
        let width = sheet.width();
        let header = sheet.columns.iter().map(|c| csv_text(c));
        push_record(&mut out, header, width);
        for row in &sheet.rows {
            push_record(&mut out, row.iter().map(csv_field), width);
        }
    }
    let mut bytes = Vec::with_capacity(BOM.len() + out.len());
    bytes.extend_from_slice(BOM);
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// One CSV line of `width` fields, padding with empty ones.
fn push_record(out: &mut String, fields: impl Iterator<Item = String>, width: usize) {
    let mut fields: Vec<String> = fields.collect();
    if fields.len() < width {
        fields.resize(width, String::new());
    }
    if let [only] = fields.as_slice()
        && only.is_empty()
    {
        // A line with nothing on it is skipped as blank by many readers;
        // an explicit empty field keeps the row.
        out.push_str("\"\"");
    } else {
        out.push_str(&fields.join(","));
    }
    out.push_str(CRLF);
}

fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => csv_text(text),
        Cell::Int(n) => n.to_string(),
        Cell::Number(x) if x.is_finite() => number_2dp(*x),
        Cell::Percent(ratio) if ratio.is_finite() => percent_1dp(*ratio),
        // NaN or infinity: no spreadsheet reads those back as numbers.
        Cell::Number(_) | Cell::Percent(_) => String::new(),
        Cell::Bool(yes) => yes_no(*yes).to_owned(),
        Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
    }
}

/// Text as a CSV field: formula-guarded, then quoted when it must be.
fn csv_text(text: &str) -> String {
    let text = guard_formula(text);
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Names typed by kader end up in these files, and a spreadsheet runs a
/// field starting with `=`, `+`, `-` or `@` as a formula (CSV injection,
/// OWASP). A leading apostrophe makes it text; tab and CR are guarded too,
/// since some spreadsheets strip them before looking.
fn guard_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Up to two decimals, without trailing zeros: 3.0 → "3", 2.50 → "2.5".
fn number_2dp(x: f64) -> String {
    let fixed = format!("{x:.2}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    no_negative_zero(trimmed)
}

/// A ratio as a number of percent with one decimal: 0.8534 → "85.3".
fn percent_1dp(ratio: f64) -> String {
    no_negative_zero(&format!("{:.1}", ratio * 100.0))
}

/// -0.001 rounds to "-0.00"; people read that as a bug.
fn no_negative_zero(text: &str) -> String {
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text.to_owned(),
    }
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "ya" } else { "tidak" }
}

// ---------------------------------------------------------------- XLSX

/// Excel's limits: 1,048,576 rows, of which two are the title and header.
const MAX_DATA_ROWS: usize = 1_048_576 - 2;
const MAX_COLUMNS: usize = 16_384;
/// Excel's limit on a sheet name, in UTF-16 code units.
const MAX_NAME_LEN: usize = 31;
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 50;

/// A workbook with one worksheet per sheet: the title in row 1, the header
/// in row 2 (bold, frozen, with an autofilter), the data from row 3.
pub fn to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    for (sheet, name) in sheets.iter().zip(sheet_names(sheets)) {
        check_size(sheet)?;
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(name)?;
        write_sheet(worksheet, sheet, &styles)?;
    }
    Ok(workbook.save_to_buffer()?)
}

struct Styles {
    title: Format,
    header: Format,
    number: Format,
    percent: Format,
    date: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            title: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            number: Format::new().set_num_format("0.00"),
            percent: Format::new().set_num_format("0.0%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn check_size(sheet: &Sheet) -> Result<(), ExportError> {
    let (rows, columns) = (sheet.rows.len(), sheet.width());
    if rows > MAX_DATA_ROWS || columns > MAX_COLUMNS {
        return Err(ExportError::TooLarge {
            sheet: sheet.name.clone(),
            rows,
            columns,
        });
    }
    Ok(())
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, styles: &Styles) -> Result<(), ExportError> {
    ws.write_string_with_format(0, 0, &sheet.title, &styles.title)?;
    for (col, name) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(1, col_num(col), name, &styles.header)?;
    }
    for (index, cells) in sheet.rows.iter().enumerate() {
        let row = row_num(index + 2);
        for (col, cell) in cells.iter().enumerate() {
            write_cell(ws, row, col_num(col), cell, styles)?;
        }
    }

    ws.set_freeze_panes(2, 0)?;
    let width = sheet.width();
    if !sheet.rows.is_empty() && width > 0 {
        ws.autofilter(1, 0, row_num(sheet.rows.len() + 1), col_num(width - 1))?;
    }
    for col in 0..width {
        ws.set_column_width(col_num(col), column_width(sheet, col) as f64)?;
    }
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        // Excel has no NaN or infinity: such a value is left blank.
        Cell::Empty => {}
        Cell::Number(x) | Cell::Percent(x) if !x.is_finite() => {}
        // write_string, never write(): a name like "=HYPERLINK(..)" stays
        // the text the kader typed, it is never a formula.
        Cell::Text(text) => {
            ws.write_string(row, col, text)?;
        }
        // Excel numbers are f64; beyond 2^53 it could not hold more anyway.
        Cell::Int(n) => {
            ws.write_number(row, col, *n as f64)?;
        }
        Cell::Number(x) => {
            ws.write_number_with_format(row, col, *x, &styles.number)?;
        }
        Cell::Percent(ratio) => {
            ws.write_number_with_format(row, col, *ratio, &styles.percent)?;
        }
        Cell::Bool(yes) => {
            ws.write_string(row, col, yes_no(*yes))?;
        }
        Cell::Date(date) => {
            ws.write_date_with_format(row, col, date, &styles.date)?;
        }
    }
    Ok(())
}

// `check_size` has bounded rows and columns by Excel's limits, which fit
// `RowNum` (u32) and `ColNum` (u16); saturating keeps this total anyway.
fn row_num(index: usize) -> RowNum {
    RowNum::try_from(index).unwrap_or(RowNum::MAX)
}

fn col_num(index: usize) -> ColNum {
    ColNum::try_from(index).unwrap_or(ColNum::MAX)
}

/// Column width in characters: the longest of header and contents, within
/// 8..50 so that a short code is still clickable and a long name does not
/// push everything else off screen.
fn column_width(sheet: &Sheet, col: usize) -> usize {
    // The autofilter button takes about two characters of the header cell.
    let button = if sheet.rows.is_empty() { 0 } else { 2 };
    let header = sheet
        .columns
        .get(col)
        .map_or(0, |name| name.chars().count() + button);
    let content = sheet
        .rows
        .iter()
        .filter_map(|row| row.get(col))
        .map(display_len)
        .max()
        .unwrap_or(0);
    header.max(content).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// How many characters Excel shows for a cell, roughly.
fn display_len(cell: &Cell) -> usize {
    match cell {
        Cell::Empty => 0,
        Cell::Text(text) => text.chars().count(),
        Cell::Int(n) => n.to_string().len(),
        Cell::Number(x) => format!("{x:.2}").len(),
        Cell::Percent(ratio) => format!("{:.1}%", ratio * 100.0).len(),
        Cell::Bool(yes) => yes_no(*yes).len(),
        Cell::Date(_) => "2026-11-10".len(),
    }
}

/// Names that Excel accepts, unique without regard to case (as Excel
/// compares them), in the order of the sheets.
fn sheet_names(sheets: &[Sheet]) -> Vec<String> {
    // "History" is reserved by English Excel; treating it as taken turns
    // it into "History (2)".
    let mut taken: HashSet<String> = HashSet::from(["history".to_owned()]);
    let mut names = Vec::with_capacity(sheets.len());
    for (index, sheet) in sheets.iter().enumerate() {
        let base = sanitise_sheet_name(&sheet.name, index + 1);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = truncate_utf16(&base, MAX_NAME_LEN - suffix.len()).trim_end();
            name = format!("{room}{suffix}");
            n += 1;
        }
        taken.insert(name.to_lowercase());
        names.push(name);
    }
    names
}

/// Excel's rules for a sheet name: not blank, at most 31 characters, none of
/// `[]:*?/\`, not starting or ending with an apostrophe. Forbidden characters
/// become `-` (a period "11/2026" reads as "11-2026"); a name with nothing
/// left becomes "Lembar N" (Indonesian Excel's own default).
fn sanitise_sheet_name(name: &str, position: usize) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let trim = |s: &str| s.trim().trim_matches('\'').trim().to_owned();
    let name = trim(truncate_utf16(&trim(&cleaned), MAX_NAME_LEN));
    if name.is_empty() {
        format!("Lembar {position}")
    } else {
        name
    }
}

/// The longest prefix of `text` of at most `max` UTF-16 code units (Excel
/// counts those), cut on a character boundary.
fn truncate_utf16(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &text[..at];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn csv_string(sheets: &[Sheet]) -> String {
        let bytes = to_csv(sheets);
        assert!(bytes.starts_with(BOM), "CSV must start with a UTF-8 BOM");
        String::from_utf8(bytes[BOM.len()..].to_vec()).unwrap()
    }

    fn skdn() -> Sheet {
        let mut sheet = Sheet::new(
            "SKDN",
            "SKDN Kabupaten Buleleng, November 2026",
            ["Posyandu", "S", "D/S", "Rata-rata", "Aktif", "Tanggal"],
        );
        sheet.push(vec![
            "Melati".into(),
            120.into(),
            Cell::Percent(0.8534),
            Cell::Number(3.0),
            true.into(),
            date(2026, 11, 10).into(),
        ]);
        sheet.push(vec![
            "Mawar, Desa Sukasari".into(),
            Cell::Int(-4),
            Cell::Percent(1.0),
            Cell::Number(2.505),
            false.into(),
            None::<NaiveDate>.into(),
        ]);
        sheet
    }

    fn read_xlsx(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).expect("a valid XLSX file")
    }

    #[test]
    fn cells_convert_from_plain_values() {
        assert_eq!(Cell::from("a"), Cell::Text("a".into()));
        assert_eq!(Cell::from(String::from("b")), Cell::Text("b".into()));
        assert_eq!(Cell::from(7_i32), Cell::Int(7));
        assert_eq!(Cell::from(7_u32), Cell::Int(7));
        assert_eq!(Cell::from(7_u64), Cell::Int(7));
        assert_eq!(Cell::from(u64::MAX), Cell::Number(u64::MAX as f64));
        assert_eq!(Cell::from(1.5), Cell::Number(1.5));
        assert_eq!(Cell::from(Some(3_i64)), Cell::Int(3));
        assert_eq!(Cell::from(None::<&str>), Cell::Empty);
        assert_eq!(
            Cell::from(Some(date(2026, 1, 2))),
            Cell::Date(date(2026, 1, 2))
        );
    }

    #[test]
    fn csv_single_sheet_is_plain_with_bom_and_crlf() {
        let csv = csv_string(&[skdn()]);
        assert_eq!(
            csv,
            "Posyandu,S,D/S,Rata-rata,Aktif,Tanggal\r\n\
             Melati,120,85.3,3,ya,2026-11-10\r\n\
             \"Mawar, Desa Sukasari\",-4,100.0,2.5,tidak,\r\n"
        );
    }

    #[test]
    fn csv_quotes_fields_that_need_it() {
        let mut sheet = Sheet::new("x", "x", ["a"]);
        for text in [
            "koma, di sini",
            "kata \"kutip\"",
            "baris\nbaru",
            "cr\rdi sini",
            "Désa Ni Luh Putu",
        ] {
            sheet.push(vec![text.into()]);
        }
        let csv = csv_string(&[sheet]);
        assert_eq!(
            csv,
            "a\r\n\"koma, di sini\"\r\n\"kata \"\"kutip\"\"\"\r\n\"baris\nbaru\"\r\n\
             \"cr\rdi sini\"\r\nDésa Ni Luh Putu\r\n"
        );
    }

    #[test]
    fn csv_guards_against_formula_injection() {
        let mut sheet = Sheet::new("x", "x", ["=header"]);
        for text in [
            "=1+2",
            "+62812",
            "-5",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"a\",\"b\")",
            "aman=1",
        ] {
            sheet.push(vec![text.into()]);
        }
        let csv = csv_string(&[sheet]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "'=header");
        assert_eq!(lines[1], "'=1+2");
        assert_eq!(lines[2], "'+62812");
        assert_eq!(lines[3], "'-5");
        assert_eq!(lines[4], "'@SUM(A1)");
        assert_eq!(lines[5], "'\tx");
        // "\r" makes the field quoted, then split breaks it: check the bytes.
        assert!(csv.contains("\r\n\"'\rx\"\r\n"));
        assert!(csv.contains("\r\n\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\"\r\n"));
        assert!(csv.ends_with("\r\naman=1\r\n"));
        // A negative number is a number, not text: no apostrophe.
        let mut numbers = Sheet::new("n", "n", ["n"]);
        numbers.push(vec![Cell::Int(-5)]);
        numbers.push(vec![Cell::Number(-0.001)]);
        assert_eq!(csv_string(&[numbers]), "n\r\n-5\r\n0\r\n");
    }

    #[test]
    fn csv_numbers_and_padding() {
        let mut sheet = Sheet::new("x", "x", ["a", "b"]);
        sheet.push(vec![Cell::Number(f64::NAN), Cell::Percent(f64::INFINITY)]);
        sheet.push(vec![Cell::Number(12.3456)]);
        sheet.push(vec![
            Cell::Number(10.0),
            Cell::Percent(0.0),
            Cell::Text("extra".into()),
        ]);
        let csv = csv_string(&[sheet]);
        assert_eq!(csv, "a,b,\r\n,,\r\n12.35,,\r\n10,0.0,extra\r\n");
    }

    #[test]
    fn csv_several_sheets_become_titled_sections() {
        let mut second = Sheet::new(
            "Strata",
            "Strata posyandu, \"2026\"",
            ["Posyandu", "Strata"],
        );
        second.push(vec!["Melati".into(), "Purnama".into()]);
        let csv = csv_string(&[skdn(), second]);
        let sections: Vec<&str> = csv.split("\r\n\r\n").collect();
        assert_eq!(sections.len(), 2, "{csv:?}");
        assert!(sections[0].starts_with(
            "\"SKDN Kabupaten Buleleng, November 2026\"\r\nPosyandu,S,D/S,Rata-rata,Aktif,Tanggal\r\n"
        ));
        assert_eq!(
            sections[1],
            "\"Strata posyandu, \"\"2026\"\"\"\r\nPosyandu,Strata\r\nMelati,Purnama\r\n"
        );
    }

    #[test]
    fn csv_of_nothing_is_just_the_bom() {
        assert_eq!(to_csv(&[]), BOM);
        let csv = csv_string(&[Sheet::new("x", "x", Vec::<String>::new())]);
        assert_eq!(csv, "\r\n");
    }

    #[test]
    fn xlsx_round_trip_through_calamine() {
        let mut second = Sheet::new("Catatan", "Catatan kader", ["Nama"]);
        second.push(vec!["=HYPERLINK(\"http://x\")".into()]);
        second.push(vec!["+62812".into()]);
        let bytes = to_xlsx(&[skdn(), second]).unwrap();
        let mut workbook = read_xlsx(bytes);
        assert_eq!(workbook.sheet_names(), ["SKDN", "Catatan"]);

        let range = workbook.worksheet_range("SKDN").unwrap();
        let at = |row: u32, col: u32| range.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        assert_eq!(
            at(0, 0),
            Data::String("SKDN Kabupaten Buleleng, November 2026".into())
        );
        let header: Vec<String> = (0..6).map(|c| at(1, c).to_string()).collect();
        assert_eq!(
            header,
            ["Posyandu", "S", "D/S", "Rata-rata", "Aktif", "Tanggal"]
        );
        assert_eq!(at(2, 0), Data::String("Melati".into()));
        // Numbers, not digits as text (as_f64 would parse those too).
        assert_eq!(at(2, 1), Data::Float(120.0));
        // The percentage is stored as its ratio, so Excel computes with it.
        assert_eq!(at(2, 2), Data::Float(0.8534));
        assert_eq!(at(2, 3), Data::Float(3.0));
        assert_eq!(at(2, 4), Data::String("ya".into()));
        assert_eq!(at(2, 5).as_date(), Some(date(2026, 11, 10)));
        assert!(at(2, 5).is_datetime(), "a real Excel date, not text");
        assert_eq!(at(3, 1), Data::Float(-4.0));
        assert_eq!(at(3, 5), Data::Empty);

        let notes = workbook.worksheet_range("Catatan").unwrap();
        assert_eq!(
            notes.get_value((2, 0)),
            Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
        );
        assert_eq!(
            notes.get_value((3, 0)),
            Some(&Data::String("+62812".into()))
        );
        let formulas = workbook.worksheet_formula("Catatan").unwrap();
        assert!(
            formulas.is_empty(),
            "no cell may be a formula: {formulas:?}"
        );
    }

    #[test]
    fn xlsx_sheet_names_are_sanitised_and_unique() {
        let long = "Rekapitulasi SKDN per posyandu Kecamatan Sukasada";
        let sheets = [
            Sheet::new(long, "a", ["x"]),
            Sheet::new(long, "b", ["x"]),
            Sheet::new("SKDN [11/2026]: *?", "c", ["x"]),
            Sheet::new("skdn [11-2026]- --", "d", ["x"]),
            Sheet::new("'//'", "e", ["x"]),
            Sheet::new("History", "f", ["x"]),
        ];
        let names = sheet_names(&sheets);
        assert_eq!(
            names,
            [
                // Cut at 31 characters, then the trailing space trimmed.
                "Rekapitulasi SKDN per posyandu",
                "Rekapitulasi SKDN per posya (2)",
                "SKDN -11-2026-- --",
                // Excel compares names without regard to case.
                "skdn -11-2026-- -- (2)",
                "--",
                "History (2)",
            ]
        );
        for name in &names {
            rust_xlsxwriter::utility::check_sheet_name(name).unwrap();
        }
        let workbook = read_xlsx(to_xlsx(&sheets).unwrap());
        assert_eq!(workbook.sheet_names(), names);
        assert_eq!(sanitise_sheet_name("  ", 3), "Lembar 3");
        assert_eq!(sanitise_sheet_name(&"é".repeat(40), 1).chars().count(), 31);
        // Characters outside the BMP count twice, as Excel counts them.
        assert_eq!(sanitise_sheet_name(&"😀".repeat(20), 1).chars().count(), 15);
    }

    #[test]
    fn xlsx_empty_sheet_is_a_valid_file() {
        let bytes = to_xlsx(&[Sheet::new("Kosong", "Belum ada data", ["Posyandu", "S"])]).unwrap();
        let mut workbook = read_xlsx(bytes);
        let range = workbook.worksheet_range("Kosong").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Belum ada data".into()))
        );
        assert_eq!(range.get_value((1, 1)), Some(&Data::String("S".into())));
        assert_eq!(range.height(), 2);

        // Even a workbook with no sheet at all is written (Excel needs one).
        assert!(to_xlsx(&[]).is_ok());
    }

    #[test]
    fn xlsx_non_finite_numbers_are_blank() {
        let mut sheet = Sheet::new("x", "x", ["a", "b"]);
        sheet.push(vec![
            Cell::Number(f64::NAN),
            Cell::Percent(f64::NEG_INFINITY),
        ]);
        sheet.push(vec![Cell::Int(1)]);
        let mut workbook = read_xlsx(to_xlsx(&[sheet]).unwrap());
        let range = workbook.worksheet_range("x").unwrap();
        assert_eq!(
            range.get_value((2, 0)).cloned().unwrap_or(Data::Empty),
            Data::Empty
        );
        assert_eq!(
            range.get_value((2, 1)).cloned().unwrap_or(Data::Empty),
            Data::Empty
        );
    }

    #[test]
    fn xlsx_too_wide_for_excel_is_an_error_not_a_panic() {
        let columns: Vec<String> = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        let error = to_xlsx(&[Sheet::new("Lebar", "x", columns)]).unwrap_err();
        assert!(matches!(
            error,
            ExportError::TooLarge {
                columns: 16_385,
                ..
            }
        ));
        assert!(
            error
                .to_string()
                .starts_with("sheet \"Lebar\" is too large for Excel")
        );
    }

    #[test]
    fn column_widths_follow_contents_within_bounds() {
        let mut sheet = Sheet::new("x", "x", ["No", "Nama posyandu"]);
        sheet.push(vec![1.into(), "x".repeat(80).into()]);
        assert_eq!(column_width(&sheet, 0), MIN_WIDTH);
        assert_eq!(column_width(&sheet, 1), MAX_WIDTH);
        let mut short = Sheet::new("x", "x", ["Nama posyandu"]);
        short.push(vec!["Melati".into()]);
        assert_eq!(column_width(&short, 0), "Nama posyandu".len() + 2);
    }
}
