//! The chat grammar: every line of a message is one report, read into a
//! [`Command`] or a [`ParseError`]. Pure: no I/O and no clock (`today` is
//! given, in the posyandu's time zone).
//!
//! A line is split into words; the keyword comes first; the person is
//! named next (a code, a NIK or words); the values follow in any order, each
//! recognised by its shape (a date, a number with or without a unit, a key
//! such as `LILA 13,5`, a word such as `L` or `biru`). What fits nowhere is
//! an error, never silently dropped.
use std::borrow::Cow;

use chrono::NaiveDate;
use openapi::growth::Position;
use openapi::maternal::Capsule;

use super::command::{
    BirthParties, Command, CommandKind, Line, ParseError, PersonRef, VaccineDose,
};
use super::normalise::{is_invisible, normalise};
use super::values::{self, ImpossibleDate, Measure, Unit, is_any};

/// The field names that errors carry; `help::explain` shows them.
pub mod field {
    pub const ANAK: &str = "nama/kode anak";
    pub const IBU: &str = "nama/kode ibu";
    pub const ORANG: &str = "nama/kode";
    pub const NAMA: &str = "nama";
    pub const NAMA_IBU: &str = "nama ibu";
    pub const NAMA_BAYI: &str = "nama bayi";
    pub const BERAT: &str = "berat";
    pub const PANJANG: &str = "panjang";
    pub const LILA: &str = "LILA";
    pub const LK: &str = "LK";
    pub const HB: &str = "HB";
    pub const TD: &str = "TD";
    pub const TTD: &str = "TTD";
    pub const KUNJUNGAN: &str = "kunjungan (K1-K6)";
    pub const TANGGAL: &str = "tanggal";
    pub const TANGGAL_LAHIR: &str = "tanggal lahir";
    pub const HPHT: &str = "HPHT";
    pub const JENIS_KELAMIN: &str = "jenis kelamin (L/P)";
    pub const BERAT_LAHIR: &str = "berat lahir";
    pub const PANJANG_LAHIR: &str = "panjang lahir";
    pub const NIK: &str = "NIK";
    pub const HP: &str = "HP";
    pub const VAKSIN: &str = "vaksin";
    pub const TUJUAN: &str = "tujuan";
    pub const ASAL: &str = "asal";
}

/// Reads every non-empty line of `message` as one report.
pub fn parse(message: &str, today: NaiveDate) -> Vec<Line> {
    let clean = normalise(message);
    let mut lines = Vec::new();
    // Reused for every line: the words borrow from `clean`.
    let mut words = Vec::with_capacity(24);
    let mut read = |raw: &str, line| {
        if let Some(parsed) = parse_line(line, today, &mut words) {
            let text = raw.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
            lines.push(Line {
                text: text.to_owned(),
                parsed,
            });
        }
    };
    match &clean {
        Cow::Borrowed(_) => split_lines(message).for_each(|line| read(line, line)),
        // Normalising neither adds nor removes line breaks, so the raw and
        // the clean lines correspond one to one.
        Cow::Owned(clean) => split_lines(message)
            .zip(split_lines(clean))
            .for_each(|(raw, line)| read(raw, line)),
    }
    lines
}

/// The lines of a text, split at `\n`, `\r`, U+2028, U+2029 and U+0085.
/// Scans bytes rather than characters: this runs over every message.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        if start > b.len() {
            return None;
        }
        // Only these bytes can start a line break.
        let candidate = |c: &u8| matches!(c, b'\n' | b'\r' | 0xE2 | 0xC2);
        while let Some(offset) = b[i..].iter().position(candidate) {
            i += offset;
            let width = match &b[i..] {
                [b'\n' | b'\r', ..] => 1,
                [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
                [0xC2, 0x85, ..] => 2,
                _ => 0,
            };
            if width > 0 {
                let line = &text[start..i];
                i += width;
                start = i;
                return Some(line);
            }
            i += 1;
        }
        let line = &text[start..];
        start = b.len() + 1;
        Some(line)
    })
}

/// One line; `None` when it holds no words (blank, or only separators).
fn parse_line<'c>(
    line: &'c str,
    today: NaiveDate,
    words: &mut Vec<&'c str>,
) -> Option<Result<Command, ParseError>> {
    let line = strip_list_marker(line.trim());
    // `?` is a separator inside a line, so a leading one is read here.
    if let Some(rest) = line.strip_prefix('?') {
        let hard = tokenize(rest, words);
        return Some(Ok(
            Reader::new(words, hard, 0, today, CommandKind::Bantu).bantu()
        ));
    }
    let hard = tokenize(line, words);
    let first = *words.first()?;
    let Some((kind, used)) = keyword(words) else {
        return Some(Err(ParseError::UnknownCommand {
            word: first.to_owned(),
        }));
    };
    Some(Reader::new(words, hard, used, today, kind).command())
}

/// WhatsApp batches are often lists: `1. TIMBANG …`, `2) …`, `- …`, `> …`.
fn strip_list_marker(line: &str) -> &str {
    let b = line.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let marker = match b.get(digits) {
        Some(b'.' | b')') if (1..=2).contains(&digits) => digits + 1,
        Some(b'-' | b'>') if digits == 0 => 1,
        _ => return line,
    };
    match b.get(marker) {
        Some(c) if c.is_ascii_whitespace() => line[marker..].trim_start(),
        _ => line,
    }
}

// ----------------------------------------------------------------- words

/// Splits a line into words. Separators: whitespace, `#`, `*`, `;`, `,`
/// unless it is a decimal comma, `=`, `:`, brackets and quotes, `+` unless
/// it starts a phone number. `/` is a word of its own unless it stands
/// between digits (`10/2/26`, `120/80`). A word of letters running into
/// digits is split (`BB8,5`, `K2`, `polio2`, `T48213`), so that keys and
/// their values are always separate words.
///
/// Returns the words after a hard separator (`#`, `;`, `,`) as a bit set
/// (the first 64 words): `LAHIR` uses them to split mother and baby.
fn tokenize<'c>(line: &'c str, words: &mut Vec<&'c str>) -> u64 {
    let mut t = Tokenizer {
        line,
        words,
        hard: 0,
        hard_pending: false,
        start: None,
        dot_run: None,
    };
    t.run();
    t.hard
}

struct Tokenizer<'c, 'v> {
    line: &'c str,
    words: &'v mut Vec<&'c str>,
    hard: u64,
    hard_pending: bool,
    /// Start of the current word.
    start: Option<usize>,
    /// The end of the current run of digits, commas and dots, and whether it
    /// holds a dot (cached: a long run of commas is scanned once).
    dot_run: Option<(usize, bool)>,
}

enum Split {
    /// Part of the word.
    Keep,
    Soft,
    Hard,
    /// `/` as a word of its own.
    Slash,
    /// A new word starts here (letters running into digits).
    Before,
}

impl<'c> Tokenizer<'c, '_> {
    fn run(&mut self) {
        self.words.clear();
        let line = self.line;
        for i in 0..line.len() {
            match self.split_kind(i) {
                Split::Keep => {
                    self.start.get_or_insert(i);
                }
                Split::Soft => self.flush(i),
                Split::Hard => {
                    self.flush(i);
                    self.hard_pending = true;
                }
                Split::Slash => {
                    self.flush(i);
                    self.push(&line[i..i + 1]);
                }
                Split::Before => {
                    self.flush(i);
                    self.start = Some(i);
                }
            }
        }
        self.flush(line.len());
        // A full stop ends the line, not the last value (`… 72.`).
        if let Some(last) = self.words.last_mut() {
            *last = last.trim_end_matches('.');
            if last.is_empty() {
                self.words.pop();
            }
        }
    }

    fn split_kind(&mut self, i: usize) -> Split {
        let b = self.line.as_bytes();
        let digit = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(u8::is_ascii_digit);
        let (prev, next) = (i.checked_sub(1), Some(i + 1));
        match b[i] {
            b' ' | b'\t' | b'*' | b'=' | b':' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"'
            | b'!' | b'?' | b'&' | b'_' | b'|' | b'<' | b'>' | b'~' | b'\\' => Split::Soft,
            b'#' | b';' => Split::Hard,
            b',' if digit(prev) && digit(next) && !self.run_has_dot(i) => Split::Keep,
            b',' => Split::Hard,
            b'+' if self.start.is_none() && digit(next) => Split::Keep,
            b'+' => Split::Soft,
            b'/' if digit(prev) && digit(next) => Split::Keep,
            b'/' => Split::Slash,
            c if c.is_ascii_digit() && self.start.is_some_and(|s| is_letters(&b[s..i])) => {
                Split::Before
            }
            _ => Split::Keep,
        }
    }

    /// Whether the run of digits, commas and dots around `i` holds a dot:
    /// then the dot is the decimal mark and commas separate
    /// (`48213,8.5,72`).
    fn run_has_dot(&mut self, i: usize) -> bool {
        if let Some((end, dot)) = self.dot_run
            && i < end
        {
            return dot;
        }
        let b = self.line.as_bytes();
        let in_run = |c: &u8| c.is_ascii_digit() || *c == b',' || *c == b'.';
        let start = b[..i].iter().rposition(|c| !in_run(c)).map_or(0, |p| p + 1);
        let end = i + b[i..]
            .iter()
            .position(|c| !in_run(c))
            .unwrap_or(b.len() - i);
        let dot = b[start..end].contains(&b'.');
        self.dot_run = Some((end, dot));
        dot
    }

    fn flush(&mut self, end: usize) {
        if let Some(start) = self.start.take() {
            let line = self.line;
            self.push(&line[start..end]);
        }
    }

    fn push(&mut self, word: &'c str) {
        // `8,5.` and `72.`: the dot ends a sentence, not the number.
        let word = match word.as_bytes().first() {
            Some(c) if c.is_ascii_digit() => word.trim_end_matches('.'),
            _ => word,
        };
        // Words without a letter or digit are decoration: dashes, dots,
        // emoji (`Ayu - 8,5 🙏`). `/` alone marks the mother.
        let plain = word.bytes().any(|c| c.is_ascii_alphanumeric());
        if !plain && word != "/" && !word.chars().any(char::is_alphanumeric) {
            return;
        }
        let index = self.words.len();
        if self.hard_pending && index < 64 {
            self.hard |= 1 << index;
        }
        self.hard_pending = false;
        self.words.push(word);
    }
}

fn is_letters(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_alphabetic)
}

/// A word that starts a value rather than a name: a digit, or `+62…`.
fn starts_value(word: &str) -> bool {
    match word.as_bytes() {
        [c, ..] if c.is_ascii_digit() => true,
        [b'+', c, ..] => c.is_ascii_digit(),
        _ => false,
    }
}

// -------------------------------------------------------------- keywords

const KEYWORDS: &[(&str, CommandKind)] = &[
    ("timbang", CommandKind::Timbang),
    ("t", CommandKind::Timbang),
    ("bb", CommandKind::Timbang),
    ("ukur", CommandKind::Timbang),
    ("hamil", CommandKind::Hamil),
    ("periksa", CommandKind::Periksa),
    ("anc", CommandKind::Periksa),
    ("bumil", CommandKind::Periksa),
    ("lahir", CommandKind::Lahir),
    ("datang", CommandKind::Datang),
    ("pendatang", CommandKind::Datang),
    ("pindah", CommandKind::Pindah),
    ("meninggal", CommandKind::Meninggal),
    ("imun", CommandKind::Imun),
    ("imunisasi", CommandKind::Imun),
    ("vita", CommandKind::Vita),
    ("vitamin", CommandKind::Vita),
    ("vit", CommandKind::Vita),
    ("cari", CommandKind::Cari),
    ("jadwal", CommandKind::Jadwal),
    ("batal", CommandKind::Batal),
    ("hapus", CommandKind::Batal),
    ("bantu", CommandKind::Bantu),
    ("help", CommandKind::Bantu),
    ("format", CommandKind::Bantu),
    ("stop", CommandKind::Stop),
    ("berhenti", CommandKind::Stop),
    ("mulai", CommandKind::Mulai),
    ("ya", CommandKind::Ya),
    ("y", CommandKind::Ya),
    ("iya", CommandKind::Ya),
    ("ok", CommandKind::Ya),
    ("oke", CommandKind::Ya),
    ("yes", CommandKind::Ya),
    ("tidak", CommandKind::Tidak),
    ("tdk", CommandKind::Tidak),
    ("gak", CommandKind::Tidak),
    ("nggak", CommandKind::Tidak),
    ("enggak", CommandKind::Tidak),
    ("no", CommandKind::Tidak),
];

/// The command a line starts with and how many words its keyword took
/// (`BUMIL BARU` and `VIT A` take two).
fn keyword(words: &[&str]) -> Option<(CommandKind, usize)> {
    let first = *words.first()?;
    let second_is = |names: &[&str]| words.get(1).is_some_and(|w| is_any(w, names));
    if is_any(first, &["bumil"]) && second_is(&["baru"]) {
        return Some((CommandKind::Hamil, 2));
    }
    if is_any(first, &["vit", "vitamin"]) && second_is(&["a"]) {
        return Some((CommandKind::Vita, 2));
    }
    let exact = KEYWORDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(first));
    exact
        .map(|(_, kind)| *kind)
        .or_else(|| with_one_typo(first))
        .map(|kind| (kind, 1))
}

/// Keywords of five letters or more tolerate one typo (Damerau–Levenshtein
/// distance 1: `TIMBAMG`, `TIMBNAG`, `PRIKSA`, `IMUNISAS`); a word within
/// one typo of two different commands is not guessed.
fn with_one_typo(word: &str) -> Option<CommandKind> {
    if word.len() < 4 {
        return None;
    }
    let mut found = None;
    for (keyword, kind) in KEYWORDS.iter().filter(|(k, _)| k.len() >= 5) {
        if within_one_edit(word.as_bytes(), keyword.as_bytes()) {
            match found {
                Some(other) if other != *kind => return None,
                _ => found = Some(*kind),
            }
        }
    }
    found
}

/// Whether `a` and `b` differ by at most one insertion, deletion,
/// substitution or transposition of adjacent letters, ignoring ASCII case.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let same = |x: &[u8], y: &[u8]| x.eq_ignore_ascii_case(y);
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let common = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count();
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal if common == a.len() => true,
        std::cmp::Ordering::Equal => {
            let substituted = same(&a[common + 1..], &b[common + 1..]);
            let transposed = common + 1 < a.len()
                && a[common].eq_ignore_ascii_case(&b[common + 1])
                && a[common + 1].eq_ignore_ascii_case(&b[common])
                && same(&a[common + 2..], &b[common + 2..]);
            substituted || transposed
        }
        std::cmp::Ordering::Less => same(&a[common..], &b[common + 1..]),
        std::cmp::Ordering::Greater => same(&a[common + 1..], &b[common..]),
    }
}

// ------------------------------------------------------------------ keys

/// A key naming the value after it (`BB 8,5`, `LILA 13,5`, `K 2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Bb,
    Pb,
    Tb,
    Lila,
    Lk,
    Hb,
    Td,
    Ttd,
    Kunjungan,
    Nik,
    Hp,
}

const TIMBANG_KEYS: &[Key] = &[Key::Bb, Key::Pb, Key::Tb, Key::Lila, Key::Lk];
const PERIKSA_KEYS: &[Key] = &[
    Key::Kunjungan,
    Key::Bb,
    Key::Lila,
    Key::Hb,
    Key::Td,
    Key::Ttd,
];
const HAMIL_KEYS: &[Key] = &[Key::Nik, Key::Hp];
const LAHIR_KEYS: &[Key] = &[Key::Bb, Key::Pb, Key::Tb];
const DATANG_KEYS: &[Key] = &[Key::Nik, Key::Hp];

fn key_of(word: &str) -> Option<Key> {
    const KEYS: &[(&str, Key)] = &[
        ("bb", Key::Bb),
        ("berat", Key::Bb),
        ("pb", Key::Pb),
        ("panjang", Key::Pb),
        ("tb", Key::Tb),
        ("tinggi", Key::Tb),
        ("lila", Key::Lila),
        ("lk", Key::Lk),
        ("hb", Key::Hb),
        ("td", Key::Td),
        ("tensi", Key::Td),
        ("ttd", Key::Ttd),
        ("fe", Key::Ttd),
        ("k", Key::Kunjungan),
        ("kunjungan", Key::Kunjungan),
        ("nik", Key::Nik),
        ("hp", Key::Hp),
        ("wa", Key::Hp),
        ("telp", Key::Hp),
        ("tlp", Key::Hp),
    ];
    let word = word.strip_suffix('.').unwrap_or(word);
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, key)| *key)
}

impl Key {
    fn field(self, kind: CommandKind) -> &'static str {
        match (self, kind) {
            (Key::Bb, CommandKind::Lahir) => field::BERAT_LAHIR,
            (Key::Pb | Key::Tb, CommandKind::Lahir) => field::PANJANG_LAHIR,
            (Key::Bb, _) => field::BERAT,
            (Key::Pb | Key::Tb, _) => field::PANJANG,
            (Key::Lila, _) => field::LILA,
            (Key::Lk, _) => field::LK,
            (Key::Hb, _) => field::HB,
            (Key::Td, _) => field::TD,
            (Key::Ttd, _) => field::TTD,
            (Key::Kunjungan, _) => field::KUNJUNGAN,
            (Key::Nik, _) => field::NIK,
            (Key::Hp, _) => field::HP,
        }
    }
}

/// Words that introduce a date and are skipped before it.
fn is_date_intro(word: &str) -> bool {
    is_any(
        word,
        &["tgl", "tgl.", "tg", "tanggal", "hpht", "lahir", "pada"],
    )
}

/// Honorifics before a woman's name (`ibu Sari`, `Bu Sari`, `Ny. Sari`).
fn is_honorific(word: &str) -> bool {
    is_any(word, &["ibu", "bu", "ny", "ny.", "nyonya"])
}

/// `Putu Ayu ibu Sari`, `Putu Ayu / Sari`.
fn is_mother_marker(word: &str) -> bool {
    word == "/" || is_any(word, &["ibu"])
}

// ----------------------------------------------------------------- reader

/// Who a command is about, which decides how a name is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// A child: the mother may follow (`ibu Sari`, `/ Sari`).
    Child,
    /// A woman: a leading `ibu`, `Bu`, `Ny.` is a title, not a name.
    Woman,
    /// Either: a leading title means a woman, else a child and maybe the
    /// mother.
    Anyone,
}

/// Reads the words of one line after its keyword.
struct Reader<'w, 'c> {
    words: &'w [&'c str],
    hard: u64,
    pos: usize,
    today: NaiveDate,
    kind: CommandKind,
}

/// The values of a weighing as they are read.
#[derive(Default)]
struct Growth {
    weight_kg: Option<f64>,
    length_cm: Option<f64>,
    position: Option<Position>,
    muac_cm: Option<f64>,
    head_cm: Option<f64>,
    date: Option<NaiveDate>,
}

/// The values of an antenatal contact as they are read.
#[derive(Default)]
struct Antenatal {
    visit: Option<u8>,
    weight_kg: Option<f64>,
    muac_cm: Option<f64>,
    hb: Option<f64>,
    blood_pressure: Option<(u16, u16)>,
    iron_tablets: Option<u16>,
    date: Option<NaiveDate>,
}

impl<'w, 'c> Reader<'w, 'c> {
    fn new(
        words: &'w [&'c str],
        hard: u64,
        pos: usize,
        today: NaiveDate,
        kind: CommandKind,
    ) -> Self {
        Reader {
            words,
            hard,
            pos,
            today,
            kind,
        }
    }

    fn command(mut self) -> Result<Command, ParseError> {
        match self.kind {
            CommandKind::Timbang => self.timbang(),
            CommandKind::Hamil => self.hamil(),
            CommandKind::Periksa => self.periksa(),
            CommandKind::Lahir => self.lahir(),
            CommandKind::Datang => self.datang(),
            CommandKind::Pindah => self.pindah(),
            CommandKind::Meninggal => self.meninggal(),
            CommandKind::Imun => self.imun(),
            CommandKind::Vita => self.vita(),
            CommandKind::Cari => self.cari(),
            CommandKind::Bantu => Ok(self.bantu()),
            // Opting out must always work, whatever else the mother wrote
            // (`stop ya kak`).
            CommandKind::Stop => Ok(Command::Stop),
            // A question: words after it change nothing (`JADWAL bulan ini`).
            CommandKind::Jadwal => Ok(Command::Jadwal),
            CommandKind::Batal => self.alone(Command::Batal),
            CommandKind::Mulai => self.alone(Command::Mulai),
            CommandKind::Ya => self.alone(Command::Ya),
            CommandKind::Tidak => self.alone(Command::Tidak),
        }
    }

    // ---------------------------------------------------------- cursor

    fn peek(&self) -> Option<&'c str> {
        self.words.get(self.pos).copied()
    }

    fn at(&self, i: usize) -> Option<&'c str> {
        self.words.get(i).copied()
    }

    fn from(&self, i: usize) -> &'w [&'c str] {
        self.words.get(i..).unwrap_or_default()
    }

    fn rest(&self) -> &'w [&'c str] {
        self.from(self.pos)
    }

    fn is_hard(&self, i: usize) -> bool {
        i < 64 && self.hard & (1 << i) != 0
    }

    /// `n` words from `i`, as one text.
    fn text(&self, i: usize, n: usize) -> String {
        let end = (i + n).min(self.words.len());
        self.words.get(i..end).unwrap_or_default().join(" ")
    }

    /// Words from `start` to the reader's position, as one text.
    fn text_since(&self, start: usize) -> String {
        self.text(start, self.pos.saturating_sub(start))
    }

    // ---------------------------------------------------------- errors

    fn missing(&self, field: &'static str) -> ParseError {
        ParseError::Missing {
            command: self.kind,
            field,
        }
    }

    fn invalid(&self, field: &'static str, text: String) -> ParseError {
        ParseError::Invalid {
            command: self.kind,
            field,
            text,
        }
    }

    /// The words here that fit nowhere: this one and the words after it up
    /// to the next value.
    fn unexpected(&self) -> ParseError {
        let run = (self.pos + 1..self.words.len())
            .take_while(|j| !self.ends_name(*j))
            .count();
        self.unexpected_words(1 + run)
    }

    fn unexpected_words(&self, n: usize) -> ParseError {
        ParseError::Unexpected {
            command: self.kind,
            text: self.text(self.pos, n.max(1)),
        }
    }

    /// Stores a value read from the next `n` words into an empty slot; a
    /// second value for the same field is unexpected, not a silent
    /// overwrite.
    fn put<T>(&mut self, slot: &mut Option<T>, value: T, n: usize) -> Result<(), ParseError> {
        if slot.is_some() {
            return Err(self.unexpected_words(n));
        }
        *slot = Some(value);
        self.pos += n;
        Ok(())
    }

    /// A command that takes no words after its keyword but courtesy
    /// (`ok kak`, `ya bu bidan`). Anything else may change the meaning
    /// (`ya tapi 9,5` is no confirmation) and is not ignored.
    fn alone(&mut self, command: Command) -> Result<Command, ParseError> {
        while self.peek().is_some_and(is_courtesy) {
            self.pos += 1;
        }
        match self.peek() {
            None => Ok(command),
            Some(_) => Err(self.unexpected()),
        }
    }

    // ----------------------------------------------------------- dates

    /// A date at word `i`, after words that introduce one (`tgl`, `HPHT`,
    /// `lahir`); with the number of words used.
    fn date_at(&self, i: usize) -> Option<(Result<NaiveDate, ImpossibleDate>, usize)> {
        let intro = self
            .from(i)
            .iter()
            .take(3)
            .take_while(|w| is_date_intro(w))
            .count();
        let (date, n) = values::read_date(self.from(i + intro), self.today)?;
        Some((date, intro + n))
    }

    /// Takes a date here into `slot`; `false` when there is none.
    fn take_date(
        &mut self,
        slot: &mut Option<NaiveDate>,
        field: &'static str,
    ) -> Result<bool, ParseError> {
        let Some((date, n)) = self.date_at(self.pos) else {
            return Ok(false);
        };
        let date = date.map_err(|_| self.invalid(field, self.text(self.pos, n)))?;
        if date > self.today {
            return Err(ParseError::FutureDate {
                command: self.kind,
                date,
            });
        }
        self.put(slot, date, n)?;
        Ok(true)
    }

    // ---------------------------------------------------------- people

    /// Whether word `i` ends a name: it starts a value of this command.
    fn ends_name(&self, i: usize) -> bool {
        let word = self.words[i];
        if starts_value(word) || self.date_at(i).is_some() {
            return true;
        }
        match self.kind {
            CommandKind::Timbang => self.key_at(i, TIMBANG_KEYS).is_some(),
            CommandKind::Periksa => {
                self.key_at(i, PERIKSA_KEYS).is_some() || visit_word(word).is_some()
            }
            CommandKind::Hamil => self.key_at(i, HAMIL_KEYS).is_some(),
            CommandKind::Lahir => {
                values::read_sex(self.from(i)).is_some() || self.key_at(i, LAHIR_KEYS).is_some()
            }
            CommandKind::Datang => {
                values::read_sex(self.from(i)).is_some()
                    || self.key_at(i, DATANG_KEYS).is_some()
                    || is_origin_marker(word)
                    || is_mother_marker(word)
            }
            CommandKind::Pindah => is_destination_marker(word),
            CommandKind::Imun => values::read_vaccine(self.from(i)).is_some(),
            CommandKind::Vita => values::capsule_of(word).is_some() || is_capsule_word(word),
            _ => false,
        }
    }

    /// A person: a code, a NIK, or a name with maybe the mother's name.
    fn person(&mut self, subject: Subject, field: &'static str) -> Result<PersonRef, ParseError> {
        let first = self.peek().ok_or_else(|| self.missing(field))?;
        if let Some(coded) = coded_person(first) {
            self.pos += 1;
            return Ok(coded);
        }
        let titled = is_honorific(first) && subject != Subject::Child;
        if titled {
            self.pos += 1;
        }
        let name = self.name(field)?;
        let mother =
            if subject != Subject::Woman && !titled && self.peek().is_some_and(is_mother_marker) {
                self.pos += 1;
                Some(self.name(field::NAMA_IBU)?)
            } else {
                None
            };
        Ok(PersonRef::Name { name, mother })
    }

    /// The words of a name, up to the first value or mother marker: at
    /// least one word. A key may start a name (`TIMBANG Lila 8,5`: a
    /// weighing of Lila, not a LILA of 8,5 without weight); other values
    /// may not (`LAHIR 48213 L …` lacks the baby's name).
    fn name(&mut self, field: &'static str) -> Result<String, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(w) if key_of(w).is_some() && !starts_value(w) => {}
            Some(w) if !(is_mother_marker(w) || self.ends_name(self.pos)) => {}
            _ => return Err(self.missing(field)),
        }
        self.pos += 1;
        while let Some(word) = self.peek() {
            if self.ends_name(self.pos) || is_mother_marker(word) {
                break;
            }
            self.pos += 1;
        }
        Ok(self.text_since(start))
    }

    /// Free words (a place) up to the next value.
    fn place(&mut self, field: &'static str) -> Result<String, ParseError> {
        let start = self.pos;
        while self.peek().is_some() && !self.ends_name(self.pos) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.missing(field));
        }
        Ok(self.text_since(start))
    }

    // ---------------------------------------------------------- values

    /// A key of this command at word `i` that is followed by a value.
    fn key_at(&self, i: usize, allowed: &[Key]) -> Option<Key> {
        let key = key_of(self.at(i)?).filter(|k| allowed.contains(k))?;
        starts_value(self.at(i + 1)?).then_some(key)
    }

    /// The number after a key (the reader is at the key): the measure and
    /// the words used, key included.
    fn keyed_measure(&self, key: Key) -> Result<(Measure, usize), ParseError> {
        let value = self.from(self.pos + 1);
        match values::read_measure(value) {
            Some((m, n)) => Ok((m, n + 1)),
            None => Err(self.invalid(key.field(self.kind), self.text(self.pos + 1, 1))),
        }
    }

    /// A converted value, or the `n` words here it came from as unreadable.
    fn convert<T>(&self, value: Option<T>, field: &'static str, n: usize) -> Result<T, ParseError> {
        value.ok_or_else(|| self.invalid(field, self.text(self.pos, n)))
    }

    /// Like `convert` for a value after a key: `n` counts the key, the text
    /// does not.
    fn convert_keyed<T>(
        &self,
        value: Option<T>,
        field: &'static str,
        n: usize,
    ) -> Result<T, ParseError> {
        value.ok_or_else(|| self.invalid(field, self.text(self.pos + 1, n.saturating_sub(1))))
    }

    // -------------------------------------------------------- commands

    /// `TIMBANG <anak> <berat> [<panjang/tinggi>] [LILA x] [LK x] [tgl]`
    fn timbang(&mut self) -> Result<Command, ParseError> {
        let child = self.person(Subject::Child, field::ANAK)?;
        let mut g = Growth::default();
        while let Some(word) = self.peek() {
            if self.take_date(&mut g.date, field::TANGGAL)? {
                continue;
            }
            if let Some(key) = self.key_at(self.pos, TIMBANG_KEYS) {
                self.timbang_key(key, &mut g)?;
                continue;
            }
            if let Some((m, n)) = values::read_measure(self.rest()) {
                self.timbang_number(m, n, &mut g)?;
                continue;
            }
            if starts_value(word) {
                let field = if g.weight_kg.is_none() {
                    field::BERAT
                } else {
                    field::PANJANG
                };
                return Err(self.invalid(field, word.to_owned()));
            }
            return Err(self.unexpected());
        }
        Ok(Command::Timbang {
            child,
            weight_kg: g.weight_kg.ok_or_else(|| self.missing(field::BERAT))?,
            length_cm: g.length_cm,
            position: g.position,
            muac_cm: g.muac_cm,
            head_cm: g.head_cm,
            date: g.date,
        })
    }

    fn timbang_key(&mut self, key: Key, g: &mut Growth) -> Result<(), ParseError> {
        let (m, n) = self.keyed_measure(key)?;
        let field = key.field(self.kind);
        match key {
            Key::Bb => {
                let kg = self.convert_keyed(values::weight_kg(&m), field, n)?;
                self.put(&mut g.weight_kg, kg, n)
            }
            Key::Pb | Key::Tb => {
                let cm = self.convert_keyed(values::length_cm(&m), field, n)?;
                g.position = Some(if key == Key::Pb {
                    Position::Lying
                } else {
                    Position::Standing
                });
                self.put(&mut g.length_cm, cm, n)
            }
            Key::Lila => {
                let cm = self.convert_keyed(values::length_cm(&m), field, n)?;
                self.put(&mut g.muac_cm, cm, n)
            }
            _ => {
                let cm = self.convert_keyed(values::length_cm(&m), field, n)?;
                self.put(&mut g.head_cm, cm, n)
            }
        }
    }

    /// A number without a key: its unit says what it is; without a unit the
    /// first is the weight and the second the length.
    fn timbang_number(&mut self, m: Measure, n: usize, g: &mut Growth) -> Result<(), ParseError> {
        match m.unit {
            Some(Unit::Cm) => self.put(&mut g.length_cm, m.value, n),
            Some(Unit::Kg | Unit::Gram) => {
                let kg = self.convert(values::weight_kg(&m), field::BERAT, n)?;
                self.put(&mut g.weight_kg, kg, n)
            }
            None if g.weight_kg.is_none() => self.put(&mut g.weight_kg, m.value, n),
            None => self.put(&mut g.length_cm, m.value, n),
        }
    }

    /// `HAMIL <nama ibu> <HPHT> [NIK] [HP 08…]`
    fn hamil(&mut self) -> Result<Command, ParseError> {
        let mother = self.person(Subject::Woman, field::IBU)?;
        let (mut hpht, mut nik, mut phone) = (None, None, None);
        while self.peek().is_some() {
            if self.take_date(&mut hpht, field::HPHT)? {
                continue;
            }
            if !self.take_nik_or_phone(&mut nik, &mut phone, HAMIL_KEYS)? {
                return Err(self.unexpected());
            }
        }
        let hpht = hpht.ok_or_else(|| self.missing(field::HPHT))?;
        Ok(Command::Hamil {
            mother,
            hpht,
            nik,
            phone,
        })
    }

    /// A NIK or a phone number here, with or without its key; `false` when
    /// there is neither.
    fn take_nik_or_phone(
        &mut self,
        nik: &mut Option<String>,
        phone: &mut Option<String>,
        keys: &[Key],
    ) -> Result<bool, ParseError> {
        let key = self.key_at(self.pos, keys);
        let value_at = self.pos + usize::from(key.is_some());
        let value = self.at(value_at).unwrap_or_default();
        let skip = value_at - self.pos;
        match key {
            Some(Key::Nik) if !values::is_nik(value) => {
                Err(self.invalid(field::NIK, value.to_owned()))
            }
            Some(Key::Hp) if values::read_phone(self.from(value_at)).is_none() => {
                Err(self.invalid(field::HP, value.to_owned()))
            }
            _ if values::is_nik(value) => self.put(nik, value.to_owned(), skip + 1).map(|_| true),
            _ => match values::read_phone(self.from(value_at)) {
                Some((number, n)) => self.put(phone, number, skip + n).map(|_| true),
                None => Ok(false),
            },
        }
    }

    /// `PERIKSA <ibu> [K1..K6] [BB x] [LILA x] [HB x] [TD 120/80] [TTD n] [tgl]`
    fn periksa(&mut self) -> Result<Command, ParseError> {
        let mother = self.person(Subject::Woman, field::IBU)?;
        let mut a = Antenatal::default();
        while let Some(word) = self.peek() {
            if self.take_date(&mut a.date, field::TANGGAL)? {
                continue;
            }
            if let Some(key) = self.key_at(self.pos, PERIKSA_KEYS) {
                self.periksa_key(key, &mut a)?;
                continue;
            }
            if let Some(visit) = visit_word(word) {
                let visit = self.convert(visit, field::KUNJUNGAN, 1)?;
                self.put(&mut a.visit, visit, 1)?;
                continue;
            }
            // `110/70` without `TD` cannot be anything else.
            if let Some(bp) = values::parse_blood_pressure(word) {
                self.put(&mut a.blood_pressure, bp, 1)?;
                continue;
            }
            return Err(self.unexpected());
        }
        Ok(Command::Periksa {
            mother,
            visit: a.visit,
            weight_kg: a.weight_kg,
            muac_cm: a.muac_cm,
            hb: a.hb,
            blood_pressure: a.blood_pressure,
            iron_tablets: a.iron_tablets,
            date: a.date,
        })
    }

    fn periksa_key(&mut self, key: Key, a: &mut Antenatal) -> Result<(), ParseError> {
        let field = key.field(self.kind);
        let value = self.at(self.pos + 1).unwrap_or_default();
        match key {
            Key::Kunjungan => {
                let visit = self.convert_keyed(visit_number(value), field, 2)?;
                self.put(&mut a.visit, visit, 2)
            }
            Key::Td => {
                let bp = self.convert_keyed(values::parse_blood_pressure(value), field, 2)?;
                self.put(&mut a.blood_pressure, bp, 2)
            }
            Key::Ttd => {
                let count = self.convert_keyed(values::parse_count(value), field, 2)?;
                let unit = self
                    .at(self.pos + 2)
                    .is_some_and(|w| is_any(w, &["tablet", "tab", "tbl", "butir"]));
                self.put(&mut a.iron_tablets, count, 2 + usize::from(unit))
            }
            Key::Bb => {
                let (m, n) = self.keyed_measure(key)?;
                let kg = self.convert_keyed(values::weight_kg(&m), field, n)?;
                self.put(&mut a.weight_kg, kg, n)
            }
            Key::Lila => {
                let (m, n) = self.keyed_measure(key)?;
                let cm = self.convert_keyed(values::length_cm(&m), field, n)?;
                self.put(&mut a.muac_cm, cm, n)
            }
            _ => {
                let hb = self.convert_keyed(values::parse_decimal(value), field, 2)?;
                let unit = hb_unit(self.from(self.pos + 2));
                self.put(&mut a.hb, hb, 2 + unit)
            }
        }
    }

    /// `LAHIR <ibu> <nama bayi> <L/P> <tgl lahir> <berat lahir> [panjang lahir]`
    fn lahir(&mut self) -> Result<Command, ParseError> {
        let parties = self.birth_parties()?;
        let (mut sex, mut birth_date, mut weight_g, mut length_cm) = (None, None, None, None);
        while let Some(word) = self.peek() {
            if self.take_date(&mut birth_date, field::TANGGAL_LAHIR)? {
                continue;
            }
            if let Some((s, n)) = values::read_sex(self.rest()) {
                self.put(&mut sex, s, n)?;
                continue;
            }
            let keyed = self.key_at(self.pos, LAHIR_KEYS);
            let measure = match keyed {
                Some(key) => Some(self.keyed_measure(key)?),
                None => values::read_measure(self.rest()),
            };
            if let Some((m, n)) = measure {
                let is_weight = match (keyed, m.unit) {
                    (Some(key), _) => key == Key::Bb,
                    (None, Some(unit)) => unit != Unit::Cm,
                    (None, None) => weight_g.is_none(),
                };
                if is_weight {
                    let grams = values::birth_weight_grams(&m);
                    let grams = match keyed {
                        Some(_) => self.convert_keyed(grams, field::BERAT_LAHIR, n)?,
                        None => self.convert(grams, field::BERAT_LAHIR, n)?,
                    };
                    self.put(&mut weight_g, grams, n)?;
                } else {
                    let cm = values::length_cm(&m);
                    let cm = match keyed {
                        Some(_) => self.convert_keyed(cm, field::PANJANG_LAHIR, n)?,
                        None => self.convert(cm, field::PANJANG_LAHIR, n)?,
                    };
                    self.put(&mut length_cm, cm, n)?;
                }
                continue;
            }
            if starts_value(word) {
                let field = if weight_g.is_none() {
                    field::BERAT_LAHIR
                } else {
                    field::PANJANG_LAHIR
                };
                return Err(self.invalid(field, word.to_owned()));
            }
            return Err(self.unexpected());
        }
        Ok(Command::Lahir {
            parties,
            sex: sex.ok_or_else(|| self.missing(field::JENIS_KELAMIN))?,
            birth_date: birth_date.ok_or_else(|| self.missing(field::TANGGAL_LAHIR))?,
            weight_g: weight_g.ok_or_else(|| self.missing(field::BERAT_LAHIR))?,
            length_cm,
        })
    }

    /// The mother and the baby. They are split by a code (`LAHIR 48213
    /// Budi`, `LAHIR Sari 48213 Budi`), a hard separator (`Sari, Budi`,
    /// `Sari # Budi`), `/` or `bayi`; otherwise the words are left for the
    /// pipeline to split against the register.
    fn birth_parties(&mut self) -> Result<BirthParties, ParseError> {
        if self.peek().is_some_and(is_honorific) {
            self.pos += 1;
        }
        let start = self.pos;
        if let Some(mother) = self.peek().and_then(coded_person) {
            self.pos += 1;
            let baby_name = self.name(field::NAMA_BAYI)?;
            return Ok(BirthParties::Split { mother, baby_name });
        }
        let mut split = None;
        while let Some(word) = self.peek() {
            let i = self.pos;
            if split.is_none() && i > start {
                // A code, `/` or `bayi` stands between the two and is no
                // part of either name; a hard separator only divides.
                let coded = (values::is_code(word) || values::is_nik(word))
                    && i + 1 < self.words.len()
                    && !self.ends_name(i + 1);
                if coded || word == "/" || is_any(word, &["bayi", "anak"]) {
                    split = Some((i, i + 1));
                    self.pos += 1;
                    continue;
                }
                if self.is_hard(i) {
                    split = Some((i, i));
                }
            }
            if self.ends_name(i) {
                break;
            }
            self.pos += 1;
        }
        match split {
            Some((at, baby_from)) => self.split_parties(start, at, baby_from),
            None => self.unsplit_parties(start),
        }
    }

    fn split_parties(
        &self,
        start: usize,
        at: usize,
        baby_from: usize,
    ) -> Result<BirthParties, ParseError> {
        // A code names the mother exactly; a name before it only repeats
        // her for the human reader.
        let mother = match coded_person(self.words[at]) {
            Some(coded) => coded,
            None => PersonRef::Name {
                name: self.text(start, at - start),
                mother: None,
            },
        };
        if baby_from >= self.pos {
            return Err(self.missing(field::NAMA_BAYI));
        }
        Ok(BirthParties::Split {
            mother,
            baby_name: self.text(baby_from, self.pos - baby_from),
        })
    }

    fn unsplit_parties(&self, start: usize) -> Result<BirthParties, ParseError> {
        let words = self.words.get(start..self.pos).unwrap_or_default();
        match words.len() {
            0 => Err(self.missing(field::IBU)),
            1 => Err(self.missing(field::NAMA_BAYI)),
            _ => Ok(BirthParties::Unsplit(
                words.iter().map(|w| (*w).to_owned()).collect(),
            )),
        }
    }

    /// `DATANG <nama> <L/P> <tgl lahir> [NIK] [asal] [HP]`
    fn datang(&mut self) -> Result<Command, ParseError> {
        if self.peek().is_some_and(is_honorific) {
            self.pos += 1;
        }
        let name = self.name(field::NAMA)?;
        let (mut sex, mut birth_date, mut nik, mut origin, mut phone) =
            (None, None, None, None, None);
        while let Some(word) = self.peek() {
            if self.take_date(&mut birth_date, field::TANGGAL_LAHIR)? {
                continue;
            }
            if let Some((s, n)) = values::read_sex(self.rest()) {
                self.put(&mut sex, s, n)?;
                continue;
            }
            if self.take_nik_or_phone(&mut nik, &mut phone, DATANG_KEYS)? {
                continue;
            }
            // There is no field for the mother of a newcomer.
            if starts_value(word) || is_mother_marker(word) || origin.is_some() {
                return Err(self.unexpected());
            }
            let start = self.pos;
            self.pos += usize::from(is_origin_marker(word));
            let place = self.place(field::ASAL)?;
            let n = self.pos - start;
            self.pos = start;
            self.put(&mut origin, place, n)?;
        }
        Ok(Command::Datang {
            name,
            sex: sex.ok_or_else(|| self.missing(field::JENIS_KELAMIN))?,
            birth_date: birth_date.ok_or_else(|| self.missing(field::TANGGAL_LAHIR))?,
            nik,
            origin,
            phone,
        })
    }

    /// `PINDAH <orang> [tgl] [tujuan]`
    fn pindah(&mut self) -> Result<Command, ParseError> {
        let person = self.person(Subject::Anyone, field::ORANG)?;
        let (mut date, mut destination) = (None, None);
        while let Some(word) = self.peek() {
            if self.take_date(&mut date, field::TANGGAL)? {
                continue;
            }
            if starts_value(word) || destination.is_some() {
                return Err(self.unexpected());
            }
            let start = self.pos;
            self.pos += usize::from(is_destination_marker(word));
            let place = self.place(field::TUJUAN)?;
            let n = self.pos - start;
            self.pos = start;
            self.put(&mut destination, place, n)?;
        }
        Ok(Command::Pindah {
            person,
            date,
            destination,
        })
    }

    /// `MENINGGAL <orang> [tgl]`
    fn meninggal(&mut self) -> Result<Command, ParseError> {
        let person = self.person(Subject::Anyone, field::ORANG)?;
        let mut date = None;
        while self.peek().is_some() {
            if !self.take_date(&mut date, field::TANGGAL)? {
                return Err(self.unexpected());
            }
        }
        Ok(Command::Meninggal { person, date })
    }

    /// `IMUN <anak> <vaksin…> [tgl]`
    fn imun(&mut self) -> Result<Command, ParseError> {
        let child = self.person(Subject::Child, field::ANAK)?;
        let (mut vaccines, mut date): (Vec<VaccineDose>, _) = (Vec::new(), None);
        while let Some(word) = self.peek() {
            if self.take_date(&mut date, field::TANGGAL)? {
                continue;
            }
            if is_any(word, &["dan", "vaksin", "imunisasi", "+"]) {
                self.pos += 1;
                continue;
            }
            let Some((dose, n)) = values::read_vaccine(self.rest()) else {
                // An unknown word among vaccines is most likely a vaccine
                // the parser does not know.
                return Err(self.invalid(field::VAKSIN, word.to_owned()));
            };
            let dose = self.convert(dose.ok(), field::VAKSIN, n)?;
            vaccines.push(dose);
            self.pos += n;
        }
        if vaccines.is_empty() {
            return Err(self.missing(field::VAKSIN));
        }
        Ok(Command::Imun {
            child,
            vaccines,
            date,
        })
    }

    /// `VITA <anak> [biru/merah] [tgl]`
    fn vita(&mut self) -> Result<Command, ParseError> {
        let child = self.person(Subject::Anyone, field::ANAK)?;
        let (mut capsule, mut date): (Option<Capsule>, _) = (None, None);
        while let Some(word) = self.peek() {
            if self.take_date(&mut date, field::TANGGAL)? {
                continue;
            }
            if is_capsule_word(word) {
                self.pos += 1;
                continue;
            }
            match values::capsule_of(word) {
                Some(c) => self.put(&mut capsule, c, 1)?,
                None => return Err(self.unexpected()),
            }
        }
        Ok(Command::Vita {
            child,
            capsule,
            date,
        })
    }

    /// `CARI <nama>`: everything after the keyword.
    fn cari(&mut self) -> Result<Command, ParseError> {
        if self.peek().is_none() {
            return Err(self.missing(field::NAMA));
        }
        Ok(Command::Cari {
            query: self.rest().join(" "),
        })
    }

    /// `BANTU`, `?`, `HELP`, `FORMAT <cmd>`. A topic that is no command
    /// (`BANTU saya`) gets the command list: that is the useful answer.
    fn bantu(&self) -> Command {
        let rest = self.rest();
        let topic = keyword(rest)
            .filter(|(_, n)| *n == rest.len())
            .map(|(kind, _)| kind);
        Command::Bantu { topic }
    }
}

/// `K1`…`K9` written as one word with a dash (`K-2`); `K2` is split by the
/// tokenizer into a key and its value.
/// A code or a NIK, which name a person exactly.
fn coded_person(word: &str) -> Option<PersonRef> {
    if values::is_nik(word) {
        Some(PersonRef::Nik(word.to_owned()))
    } else if values::is_code(word) {
        Some(PersonRef::Code(word.to_owned()))
    } else {
        None
    }
}

fn visit_word(word: &str) -> Option<Option<u8>> {
    let rest = word.strip_prefix(['k', 'K'])?.strip_prefix('-')?;
    Some(visit_number(rest))
}

/// A visit number: one digit, 1 to 9.
fn visit_number(text: &str) -> Option<u8> {
    match text.as_bytes() {
        [d @ b'1'..=b'9'] => Some(d - b'0'),
        _ => None,
    }
}

/// The words of a haemoglobin unit after the value: `g/dl`, `gr/dL`, `g%`.
fn hb_unit(words: &[&str]) -> usize {
    match words {
        [g, "/", dl, ..] if is_any(g, &["g", "gr"]) && is_any(dl, &["dl"]) => 3,
        [g, ..] if is_any(g, &["g%", "gr%", "%"]) => 1,
        _ => 0,
    }
}

/// Words that only make a short answer polite.
fn is_courtesy(word: &str) -> bool {
    is_any(
        word,
        &[
            "kak", "ka", "kk", "bu", "ibu", "pak", "bidan", "mbak", "mba", "bang", "dok", "ya",
            "iya", "ok", "oke", "betul", "benar", "bener", "siap", "terima", "kasih", "makasih",
            "trims", "tq", "dong", "deh", "aja", "saja",
        ],
    )
}

fn is_origin_marker(word: &str) -> bool {
    is_any(word, &["dari", "asal"])
}

fn is_destination_marker(word: &str) -> bool {
    is_any(word, &["ke", "tujuan"])
}

fn is_capsule_word(word: &str) -> bool {
    is_any(word, &["kapsul", "kaps", "vit", "vitamin"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> (Vec<&str>, u64) {
        let mut words = Vec::new();
        let hard = tokenize(line, &mut words);
        (words, hard)
    }

    #[test]
    fn separators_and_decimal_commas() {
        assert_eq!(words("T Ayu, 8,5").0, ["T", "Ayu", "8,5"]);
        assert_eq!(words("T#Ayu*8,5;72").0, ["T", "Ayu", "8,5", "72"]);
        assert_eq!(words("T Ayu 8,5,3").0, ["T", "Ayu", "8,5,3"]);
        assert_eq!(words("T 48213,8.5,72").0, ["T", "48213", "8.5", "72"]);
        assert_eq!(words("BB=8,5 TB:72").0, ["BB", "8,5", "TB", "72"]);
        assert_eq!(words("Ayu/Sari 10/2/26").0, ["Ayu", "/", "Sari", "10/2/26"]);
        assert_eq!(
            words("HP +6281234 BCG+polio1").0,
            ["HP", "+6281234", "BCG", "polio", "1"]
        );
        assert_eq!(
            words("T48213 K2 LILA13,5").0,
            ["T", "48213", "K", "2", "LILA", "13,5"]
        );
        assert_eq!(words("T Ayu - 8,5 72.").0, ["T", "Ayu", "8,5", "72"]);
        assert_eq!(words("Ny. Sari").0, ["Ny.", "Sari"]);
    }

    #[test]
    fn hard_separators_are_marked() {
        let (w, hard) = words("LAHIR Sari, Budi # L; 3200");
        assert_eq!(w, ["LAHIR", "Sari", "Budi", "L", "3200"]);
        assert_eq!(hard, 0b11100);
        assert_eq!(words("8,5").1, 0);
    }

    #[test]
    fn typos_in_keywords() {
        assert!(within_one_edit(b"TIMBAMG", b"timbang"));
        assert!(within_one_edit(b"TIMBNAG", b"timbang"));
        assert!(within_one_edit(b"PRIKSA", b"periksa"));
        assert!(within_one_edit(b"IMUNISAS", b"imunisasi"));
        assert!(within_one_edit(b"TIMBANGG", b"timbang"));
        assert!(!within_one_edit(b"TIMBNGAN", b"timbang"));
        assert!(!within_one_edit(b"TMBAG", b"timbang"));
        assert_eq!(with_one_typo("HUMIL"), None, "HAMIL or BUMIL");
        assert_eq!(with_one_typo("LAHR"), Some(CommandKind::Lahir));
        assert_eq!(
            with_one_typo("IMUM"),
            None,
            "four-letter keywords are exact"
        );
    }

    #[test]
    fn lines_split_at_every_line_break() {
        let lines: Vec<&str> = split_lines("a\nb\r\nc\u{2028}d\u{2029}e\u{85}f").collect();
        assert_eq!(lines, ["a", "b", "", "c", "d", "e", "f"]);
        assert_eq!(split_lines("").collect::<Vec<_>>(), [""]);
        assert_eq!(split_lines("x\n").collect::<Vec<_>>(), ["x", ""]);
        assert_eq!(
            split_lines("é\u{2027}ü").collect::<Vec<_>>(),
            ["é\u{2027}ü"]
        );
    }

    #[test]
    fn list_markers() {
        assert_eq!(strip_list_marker("1. T Ayu 8,5"), "T Ayu 8,5");
        assert_eq!(strip_list_marker("12) T Ayu"), "T Ayu");
        assert_eq!(strip_list_marker("- T Ayu"), "T Ayu");
        assert_eq!(strip_list_marker("10.02.2026"), "10.02.2026");
    }
}
