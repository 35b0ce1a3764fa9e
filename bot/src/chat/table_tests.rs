//! The grammar against messages as kader and mothers send them. Today is
//! fixed at Tuesday 1 December 2026 (so `kemarin` is 30 November and
//! `10 des` without a year is 10 December 2025).
use chrono::NaiveDate;
use openapi::growth::{Position, Sex};
use openapi::maternal::Capsule;

use super::grammar::field;
use super::{BirthParties, Command, CommandKind, ParseError, PersonRef, VaccineDose, parse};

type Parsed = Result<Command, ParseError>;

fn today() -> NaiveDate {
    d(2026, 12, 1)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn kemarin() -> NaiveDate {
    d(2026, 11, 30)
}

// --------------------------------------------------------------- people

fn code(c: &str) -> PersonRef {
    PersonRef::Code(c.into())
}

fn nik(n: &str) -> PersonRef {
    PersonRef::Nik(n.into())
}

fn name(n: &str) -> PersonRef {
    PersonRef::Name {
        name: n.into(),
        mother: None,
    }
}

fn child_of(n: &str, mother: &str) -> PersonRef {
    PersonRef::Name {
        name: n.into(),
        mother: Some(mother.into()),
    }
}

// ------------------------------------------------------------- commands

fn timbang(child: PersonRef, kg: f64) -> Command {
    Command::Timbang {
        child,
        weight_kg: kg,
        length_cm: None,
        position: None,
        muac_cm: None,
        head_cm: None,
        date: None,
    }
}

fn hamil(mother: PersonRef, hpht: NaiveDate) -> Command {
    Command::Hamil {
        mother,
        hpht,
        nik: None,
        phone: None,
    }
}

fn periksa(mother: PersonRef) -> Command {
    Command::Periksa {
        mother,
        visit: None,
        weight_kg: None,
        muac_cm: None,
        hb: None,
        blood_pressure: None,
        iron_tablets: None,
        date: None,
    }
}

fn split(mother: PersonRef, baby: &str) -> BirthParties {
    BirthParties::Split {
        mother,
        baby_name: baby.into(),
    }
}

fn unsplit(words: &[&str]) -> BirthParties {
    BirthParties::Unsplit(words.iter().map(|w| (*w).to_owned()).collect())
}

fn lahir(parties: BirthParties, sex: Sex, birth_date: NaiveDate, weight_g: u32) -> Command {
    Command::Lahir {
        parties,
        sex,
        birth_date,
        weight_g,
        length_cm: None,
    }
}

fn datang(n: &str, sex: Sex, birth_date: NaiveDate) -> Command {
    Command::Datang {
        name: n.into(),
        sex,
        birth_date,
        nik: None,
        origin: None,
        phone: None,
    }
}

fn pindah(person: PersonRef) -> Command {
    Command::Pindah {
        person,
        date: None,
        destination: None,
    }
}

fn meninggal(person: PersonRef) -> Command {
    Command::Meninggal { person, date: None }
}

fn imun(child: PersonRef, vaccines: &[(&str, Option<u8>)]) -> Command {
    let vaccines = vaccines
        .iter()
        .map(|(a, dose)| VaccineDose {
            antigen: (*a).into(),
            dose: *dose,
        })
        .collect();
    Command::Imun {
        child,
        vaccines,
        date: None,
    }
}

fn vita(child: PersonRef, capsule: Option<Capsule>) -> Command {
    Command::Vita {
        child,
        capsule,
        date: None,
    }
}

fn cari(query: &str) -> Command {
    Command::Cari {
        query: query.into(),
    }
}

fn bantu(topic: Option<CommandKind>) -> Command {
    Command::Bantu { topic }
}

/// Optional fields, set on a command built above.
trait With: Sized {
    fn edit(self, f: impl FnOnce(&mut Command)) -> Self;

    fn length(self, cm: f64) -> Self {
        self.edit(|c| match c {
            Command::Timbang { length_cm, .. } | Command::Lahir { length_cm, .. } => {
                *length_cm = Some(cm)
            }
            other => panic!("no length in {other:?}"),
        })
    }
    fn position(self, p: Position) -> Self {
        self.edit(|c| match c {
            Command::Timbang { position, .. } => *position = Some(p),
            other => panic!("no position in {other:?}"),
        })
    }
    fn lying(self, cm: f64) -> Self {
        self.length(cm).position(Position::Lying)
    }
    fn standing(self, cm: f64) -> Self {
        self.length(cm).position(Position::Standing)
    }
    fn lila(self, cm: f64) -> Self {
        self.edit(|c| match c {
            Command::Timbang { muac_cm, .. } | Command::Periksa { muac_cm, .. } => {
                *muac_cm = Some(cm)
            }
            other => panic!("no LILA in {other:?}"),
        })
    }
    fn lk(self, cm: f64) -> Self {
        self.edit(|c| match c {
            Command::Timbang { head_cm, .. } => *head_cm = Some(cm),
            other => panic!("no LK in {other:?}"),
        })
    }
    fn on(self, day: NaiveDate) -> Self {
        self.edit(|c| match c {
            Command::Timbang { date, .. }
            | Command::Periksa { date, .. }
            | Command::Pindah { date, .. }
            | Command::Meninggal { date, .. }
            | Command::Imun { date, .. }
            | Command::Vita { date, .. } => *date = Some(day),
            other => panic!("no date in {other:?}"),
        })
    }
    fn visit(self, k: u8) -> Self {
        self.edit(|c| match c {
            Command::Periksa { visit, .. } => *visit = Some(k),
            other => panic!("no visit in {other:?}"),
        })
    }
    fn bb(self, kg: f64) -> Self {
        self.edit(|c| match c {
            Command::Periksa { weight_kg, .. } => *weight_kg = Some(kg),
            other => panic!("no BB in {other:?}"),
        })
    }
    fn hb(self, value: f64) -> Self {
        self.edit(|c| match c {
            Command::Periksa { hb, .. } => *hb = Some(value),
            other => panic!("no HB in {other:?}"),
        })
    }
    fn td(self, sys: u16, dia: u16) -> Self {
        self.edit(|c| match c {
            Command::Periksa { blood_pressure, .. } => *blood_pressure = Some((sys, dia)),
            other => panic!("no TD in {other:?}"),
        })
    }
    fn ttd(self, n: u16) -> Self {
        self.edit(|c| match c {
            Command::Periksa { iron_tablets, .. } => *iron_tablets = Some(n),
            other => panic!("no TTD in {other:?}"),
        })
    }
    fn nik(self, n: &str) -> Self {
        self.edit(|c| match c {
            Command::Hamil { nik, .. } | Command::Datang { nik, .. } => *nik = Some(n.into()),
            other => panic!("no NIK in {other:?}"),
        })
    }
    fn hp(self, n: &str) -> Self {
        self.edit(|c| match c {
            Command::Hamil { phone, .. } | Command::Datang { phone, .. } => *phone = Some(n.into()),
            other => panic!("no HP in {other:?}"),
        })
    }
    fn from(self, place: &str) -> Self {
        self.edit(|c| match c {
            Command::Datang { origin, .. } => *origin = Some(place.into()),
            other => panic!("no origin in {other:?}"),
        })
    }
    fn to(self, place: &str) -> Self {
        self.edit(|c| match c {
            Command::Pindah { destination, .. } => *destination = Some(place.into()),
            other => panic!("no destination in {other:?}"),
        })
    }
}

impl With for Command {
    fn edit(mut self, f: impl FnOnce(&mut Command)) -> Self {
        f(&mut self);
        self
    }
}

// --------------------------------------------------------------- errors

fn missing(command: CommandKind, field: &'static str) -> Parsed {
    Err(ParseError::Missing { command, field })
}

fn invalid(command: CommandKind, field: &'static str, text: &str) -> Parsed {
    Err(ParseError::Invalid {
        command,
        field,
        text: text.into(),
    })
}

fn unexpected(command: CommandKind, text: &str) -> Parsed {
    Err(ParseError::Unexpected {
        command,
        text: text.into(),
    })
}

fn future(command: CommandKind, date: NaiveDate) -> Parsed {
    Err(ParseError::FutureDate { command, date })
}

fn unknown(word: &str) -> Parsed {
    Err(ParseError::UnknownCommand { word: word.into() })
}

// ---------------------------------------------------------------- table

use CommandKind as K;
use Sex::{L, P};

/// One message and what each of its lines means.
struct Case {
    message: &'static str,
    expected: Vec<Parsed>,
}

/// A command or an error, as one line is expected to read.
trait Expect {
    fn parsed(self) -> Parsed;
}

impl Expect for Command {
    fn parsed(self) -> Parsed {
        Ok(self)
    }
}

impl Expect for Parsed {
    fn parsed(self) -> Parsed {
        self
    }
}

fn one(message: &'static str, expected: impl Expect) -> Case {
    Case {
        message,
        expected: vec![expected.parsed()],
    }
}

fn many(message: &'static str, expected: Vec<Parsed>) -> Case {
    Case { message, expected }
}

fn timbang_cases() -> Vec<Case> {
    let ayu = || code("48213");
    vec![
        one("TIMBANG 48213 8,5 72", timbang(ayu(), 8.5).length(72.0)),
        one("timbang 48213 8.5 72", timbang(ayu(), 8.5).length(72.0)),
        one("Timbang 48213 8,5", timbang(ayu(), 8.5)),
        one("T 48213 8,5 72", timbang(ayu(), 8.5).length(72.0)),
        one("t 48213 8,5", timbang(ayu(), 8.5)),
        one("BB 48213 8,5", timbang(ayu(), 8.5)),
        one("UKUR 48213 8,5 72", timbang(ayu(), 8.5).length(72.0)),
        // One typo in the keyword.
        one("TIMBAMG 48213 8,5 72", timbang(ayu(), 8.5).length(72.0)),
        one("TIMBNAG 48213 8,5", timbang(ayu(), 8.5)),
        one("TIMBANGG 48213 8,5", timbang(ayu(), 8.5)),
        one("TMBANG 48213 8,5", timbang(ayu(), 8.5)),
        one("timbnag 48213 8,5", timbang(ayu(), 8.5)),
        // Units.
        one("TIMBANG 48213 8,5kg 72cm", timbang(ayu(), 8.5).length(72.0)),
        one(
            "TIMBANG 48213 8.5 kg 72 cm",
            timbang(ayu(), 8.5).length(72.0),
        ),
        one("TIMBANG 48213 72cm 8,5kg", timbang(ayu(), 8.5).length(72.0)),
        one("TIMBANG 48213 8500g", timbang(ayu(), 8.5)),
        one("TIMBANG 48213 8,5 kilo", timbang(ayu(), 8.5)),
        // Key-value forms.
        one(
            "TIMBANG 48213 BB=8,5 TB 72",
            timbang(ayu(), 8.5).standing(72.0),
        ),
        one(
            "TIMBANG 48213 BB 8,5 PB 72",
            timbang(ayu(), 8.5).lying(72.0),
        ),
        one(
            "TIMBANG 48213 BB:8,5 PB:72",
            timbang(ayu(), 8.5).lying(72.0),
        ),
        one("TIMBANG 48213 bb8,5 pb72", timbang(ayu(), 8.5).lying(72.0)),
        one(
            "TIMBANG 48213 BB = 8,5 TB = 85,5",
            timbang(ayu(), 8.5).standing(85.5),
        ),
        one(
            "TIMBANG 48213 8,5 TB 85",
            timbang(ayu(), 8.5).standing(85.0),
        ),
        one(
            "TIMBANG 48213 berat 8,5 panjang 72",
            timbang(ayu(), 8.5).lying(72.0),
        ),
        one(
            "TIMBANG 48213 8,5 72 LILA 13,5",
            timbang(ayu(), 8.5).length(72.0).lila(13.5),
        ),
        one(
            "TIMBANG 48213 8,5 72 LILA 13,5 LK 44",
            timbang(ayu(), 8.5).length(72.0).lila(13.5).lk(44.0),
        ),
        one(
            "TIMBANG 48213 8,5 72 LILA13,5 LK44",
            timbang(ayu(), 8.5).length(72.0).lila(13.5).lk(44.0),
        ),
        one(
            "TIMBANG 48213 8,5 72 lila 13.5cm",
            timbang(ayu(), 8.5).length(72.0).lila(13.5),
        ),
        // Optional fields in another order.
        one(
            "TIMBANG 48213 8,5 LK 44 LILA 13,5 72",
            timbang(ayu(), 8.5).length(72.0).lila(13.5).lk(44.0),
        ),
        one(
            "TIMBANG 48213 LILA 13,5 8,5 72",
            timbang(ayu(), 8.5).length(72.0).lila(13.5),
        ),
        one(
            "TIMBANG 48213 kemarin 8,5 72",
            timbang(ayu(), 8.5).length(72.0).on(kemarin()),
        ),
        one(
            "TIMBANG 48213 PB 72 BB 8,5",
            timbang(ayu(), 8.5).lying(72.0),
        ),
        // Every date form.
        one(
            "TIMBANG 48213 8,5 72 kemarin",
            timbang(ayu(), 8.5).length(72.0).on(kemarin()),
        ),
        one(
            "TIMBANG 48213 8,5 72 kmrn",
            timbang(ayu(), 8.5).length(72.0).on(kemarin()),
        ),
        one(
            "TIMBANG 48213 8,5 72 hari ini",
            timbang(ayu(), 8.5).length(72.0).on(today()),
        ),
        one(
            "TIMBANG 48213 8,5 72 tadi",
            timbang(ayu(), 8.5).length(72.0).on(today()),
        ),
        one(
            "TIMBANG 48213 8,5 72 tadi pagi",
            timbang(ayu(), 8.5).length(72.0).on(today()),
        ),
        one(
            "TIMBANG 48213 8,5 72 10-11-2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10/11/26",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10.11.2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 2026-11-10",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10/11",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 nov 2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 November",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 nopember 2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10-feb-2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 2, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 tgl 10/11",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 tanggal 10 nov",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 Agt",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 8, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 ags 2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 8, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 17 aug",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 8, 17)),
        ),
        one(
            "TIMBANG 48213 8,5 72 1 mei",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 5, 1)),
        ),
        one(
            "TIMBANG 48213 8,5 72 1 may 2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 5, 1)),
        ),
        one(
            "TIMBANG 48213 8,5 72 5 okt",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 10, 5)),
        ),
        one(
            "TIMBANG 48213 8,5 72 5 oct 26",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 10, 5)),
        ),
        one(
            "TIMBANG 48213 8,5 72 3 hari lalu",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 28)),
        ),
        // Without a year: the most recent such day, so last December.
        one(
            "TIMBANG 48213 8,5 72 10 des",
            timbang(ayu(), 8.5).length(72.0).on(d(2025, 12, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 10 Desember",
            timbang(ayu(), 8.5).length(72.0).on(d(2025, 12, 10)),
        ),
        one(
            "TIMBANG 48213 8,5 72 1 dec",
            timbang(ayu(), 8.5).length(72.0).on(today()),
        ),
        // A two-digit number after a month is a length when it cannot be a year.
        one(
            "TIMBANG 48213 8,5 10 nov 72",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        // Future and impossible dates.
        one(
            "TIMBANG 48213 8,5 72 5 dec 2026",
            future(K::Timbang, d(2026, 12, 5)),
        ),
        one(
            "TIMBANG 48213 8,5 72 besok",
            future(K::Timbang, d(2026, 12, 2)),
        ),
        one(
            "TIMBANG 48213 8,5 02-12-2026",
            future(K::Timbang, d(2026, 12, 2)),
        ),
        one(
            "TIMBANG 48213 8,5 31-02-2026",
            invalid(K::Timbang, field::TANGGAL, "31-02-2026"),
        ),
        one(
            "TIMBANG 48213 8,5 10-13-2026",
            invalid(K::Timbang, field::TANGGAL, "10-13-2026"),
        ),
        one(
            "TIMBANG 48213 8,5 31 apr",
            invalid(K::Timbang, field::TANGGAL, "31 apr"),
        ),
        // Names, with and without the mother.
        one(
            "TIMBANG Putu Ayu 8,5 72",
            timbang(name("Putu Ayu"), 8.5).length(72.0),
        ),
        one("timbang putu ayu 8,5", timbang(name("putu ayu"), 8.5)),
        one(
            "TIMBANG Putu Ayu ibu Sari 8,5 72",
            timbang(child_of("Putu Ayu", "Sari"), 8.5).length(72.0),
        ),
        one(
            "TIMBANG Putu Ayu / Sari 8,5 72",
            timbang(child_of("Putu Ayu", "Sari"), 8.5).length(72.0),
        ),
        one(
            "TIMBANG Putu Ayu/Sari 8,5",
            timbang(child_of("Putu Ayu", "Sari"), 8.5),
        ),
        one(
            "Timbang Putu Ayu ibu Désy 8,5",
            timbang(child_of("Putu Ayu", "Désy"), 8.5),
        ),
        one(
            "TIMBANG Ni Kadek Ayu ibu Ni Luh Sari 9,1 75",
            timbang(child_of("Ni Kadek Ayu", "Ni Luh Sari"), 9.1).length(75.0),
        ),
        one("TIMBANG Lila 8,5", timbang(name("Lila"), 8.5)),
        one("TIMBANG Nur'aini 8,5", timbang(name("Nur'aini"), 8.5)),
        one(
            "T Putu Ayu 8,5 72 LILA 13,5 LK 44 kemarin",
            timbang(name("Putu Ayu"), 8.5)
                .length(72.0)
                .lila(13.5)
                .lk(44.0)
                .on(kemarin()),
        ),
        one(
            "TIMBANG 3201234567890123 8,5",
            timbang(nik("3201234567890123"), 8.5),
        ),
        one("TIMBANG 482130 8,5", timbang(code("482130"), 8.5)),
        // Separators and decimal commas.
        one("TIMBANG Ayu, 8,5", timbang(name("Ayu"), 8.5)),
        one("TIMBANG Ayu,8,5", timbang(name("Ayu"), 8.5)),
        one("TIMBANG#Ayu#8,5#72", timbang(name("Ayu"), 8.5).length(72.0)),
        one("TIMBANG*Ayu*8,5*72", timbang(name("Ayu"), 8.5).length(72.0)),
        one("TIMBANG;Ayu;8,5;72", timbang(name("Ayu"), 8.5).length(72.0)),
        one("TIMBANG 48213,8.5,72", timbang(ayu(), 8.5).length(72.0)),
        one("TIMBANG 48213 8.5,72", timbang(ayu(), 8.5).length(72.0)),
        one("TIMBANG 48213 8,5 72.", timbang(ayu(), 8.5).length(72.0)),
        one("TIMBANG 48213 - 8,5 - 72", timbang(ayu(), 8.5).length(72.0)),
        one("T48213 8,5 72", timbang(ayu(), 8.5).length(72.0)),
        one("*TIMBANG* 48213 8,5", timbang(ayu(), 8.5)),
        // Invisible and fancy characters.
        one("TIMBANG\u{200B} 48213 8,5", timbang(ayu(), 8.5)),
        one(
            "TIM\u{200B}BANG 48213 8,\u{200B}5\u{FEFF}",
            timbang(ayu(), 8.5),
        ),
        one(
            "\u{FEFF}TIMBANG 48\u{200D}213 8,5 72\u{2060}",
            timbang(ayu(), 8.5).length(72.0),
        ),
        one("ＴＩＭＢＡＮＧ　４８２１３　８，５", timbang(ayu(), 8.5)),
        one(
            "TIMBANG 48213 8,5\u{00A0}72",
            timbang(ayu(), 8.5).length(72.0),
        ),
        one(
            "TIMBANG 48213 8,5 72 10–11–2026",
            timbang(ayu(), 8.5).length(72.0).on(d(2026, 11, 10)),
        ),
        one("TIMBANG 48213 8,5 72 🙏", timbang(ayu(), 8.5).length(72.0)),
        // Mistakes.
        one(
            "TIMBANG 48213 8,5,3",
            invalid(K::Timbang, field::BERAT, "8,5,3"),
        ),
        one(
            "TIMBANG 48213 8..5",
            invalid(K::Timbang, field::BERAT, "8..5"),
        ),
        one(
            "TIMBANG 48213 8,5 72cmm",
            invalid(K::Timbang, field::PANJANG, "72cmm"),
        ),
        one(
            "TIMBANG 48213 BB 72cm",
            invalid(K::Timbang, field::BERAT, "72cm"),
        ),
        one("TIMBANG 48213", missing(K::Timbang, field::BERAT)),
        one("TIMBANG Putu Ayu", missing(K::Timbang, field::BERAT)),
        one("TIMBANG 48213 LILA 13,5", missing(K::Timbang, field::BERAT)),
        one("TIMBANG", missing(K::Timbang, field::ANAK)),
        one("TIMBANG 8,5 72", missing(K::Timbang, field::ANAK)),
        one("TIMBANG ibu Sari 8,5", missing(K::Timbang, field::ANAK)),
        one(
            "TIMBANG Putu Ayu ibu 8,5",
            missing(K::Timbang, field::NAMA_IBU),
        ),
        one("TIMBANG 48213 8,5 72 65", unexpected(K::Timbang, "65")),
        one("TIMBANG 48213 8,5 sehat", unexpected(K::Timbang, "sehat")),
        one(
            "TIMBANG 48213 8,5 naik terus",
            unexpected(K::Timbang, "naik terus"),
        ),
        one("TIMBANG 48213 8,5 LILA", unexpected(K::Timbang, "LILA")),
        one("TIMBANG 48213 BB 8,5 BB 9", unexpected(K::Timbang, "BB 9")),
        one(
            "TIMBANG 48213 8,5 72 kemarin hari ini",
            unexpected(K::Timbang, "hari ini"),
        ),
    ]
}

fn hamil_cases() -> Vec<Case> {
    let juni = d(2026, 6, 10);
    vec![
        one("HAMIL Sari 10-06-2026", hamil(name("Sari"), juni)),
        one("hamil sari dewi 10/6/26", hamil(name("sari dewi"), juni)),
        one(
            "HAMIL Sari Dewi 10/6/26 3201234567890123 HP 081234567890",
            hamil(name("Sari Dewi"), juni)
                .nik("3201234567890123")
                .hp("081234567890"),
        ),
        one(
            "HAMIL Sari 10 juni 2026 NIK 3201234567890123",
            hamil(name("Sari"), juni).nik("3201234567890123"),
        ),
        one("HAMIL Sari 10 Juni", hamil(name("Sari"), juni)),
        one(
            "HAMIL Sari HPHT 10 Juni 2026 HP 081234567890",
            hamil(name("Sari"), juni).hp("081234567890"),
        ),
        one("HAMIL Sari HPHT:10-06-2026", hamil(name("Sari"), juni)),
        one("BUMIL BARU Sari 10-06-2026", hamil(name("Sari"), juni)),
        one("bumil baru Sari hpht 10/6", hamil(name("Sari"), juni)),
        one("HAMIL ibu Sari 10-06-2026", hamil(name("Sari"), juni)),
        one("HAMIL Bu Sari 10-06-2026", hamil(name("Sari"), juni)),
        one("HAMIL Ny. Sari 10-06-2026", hamil(name("Sari"), juni)),
        one(
            "HAMIL Sari 10-06-2026 081234567890",
            hamil(name("Sari"), juni).hp("081234567890"),
        ),
        one(
            "HAMIL Sari 10-06-2026 +6281234567890",
            hamil(name("Sari"), juni).hp("+6281234567890"),
        ),
        one(
            "HAMIL Sari 10-06-2026 HP 0812-3456-7890",
            hamil(name("Sari"), juni).hp("0812-3456-7890"),
        ),
        one(
            "HAMIL Sari 10-06-2026 HP 0812 3456 7890",
            hamil(name("Sari"), juni).hp("0812 3456 7890"),
        ),
        one(
            "HAMIL Sari 10-06-2026 wa 6281234567890",
            hamil(name("Sari"), juni).hp("6281234567890"),
        ),
        one(
            "HAMIL Sari 081234567890 10-06-2026",
            hamil(name("Sari"), juni).hp("081234567890"),
        ),
        one("HAMIL 48213 10-06-2026", hamil(code("48213"), juni)),
        one("HAMLI Sari 10-06-2026", hamil(name("Sari"), juni)),
        one("HAMIL Sari", missing(K::Hamil, field::HPHT)),
        one("HAMIL Sari HP 081234567890", missing(K::Hamil, field::HPHT)),
        one("HAMIL", missing(K::Hamil, field::IBU)),
        one("HAMIL Sari 10-06-2027", future(K::Hamil, d(2027, 6, 10))),
        one(
            "HAMIL Sari 30-02-2026",
            invalid(K::Hamil, field::HPHT, "30-02-2026"),
        ),
        one(
            "HAMIL Sari 10-06-2026 NIK 12345",
            invalid(K::Hamil, field::NIK, "12345"),
        ),
        one(
            "HAMIL Sari 10-06-2026 HP 12345",
            invalid(K::Hamil, field::HP, "12345"),
        ),
        one(
            "HAMIL Sari 10-06-2026 anak ketiga",
            unexpected(K::Hamil, "anak ketiga"),
        ),
    ]
}

fn periksa_cases() -> Vec<Case> {
    let sari = || name("Sari");
    vec![
        one(
            "PERIKSA Sari K2 BB 55 LILA 24 HB 11,2 TD 120/80 TTD 30",
            periksa(sari())
                .visit(2)
                .bb(55.0)
                .lila(24.0)
                .hb(11.2)
                .td(120, 80)
                .ttd(30),
        ),
        one("ANC Sari K1", periksa(sari()).visit(1)),
        one(
            "BUMIL Sari K3 TD 110/70",
            periksa(sari()).visit(3).td(110, 70),
        ),
        one("anc sari k4", periksa(name("sari")).visit(4)),
        one("PERIKSA Sari K-2", periksa(sari()).visit(2)),
        one("PERIKSA Sari K 4", periksa(sari()).visit(4)),
        one(
            "PERIKSA 48213 K2 kemarin",
            periksa(code("48213")).visit(2).on(kemarin()),
        ),
        one("PRIKSA Sari K2", periksa(sari()).visit(2)),
        one("PERIKSAA Sari K2", periksa(sari()).visit(2)),
        one(
            "PERIKSA ibu Sari K2 HB 11.2",
            periksa(sari()).visit(2).hb(11.2),
        ),
        one("PERIKSA Sari K2 90/60", periksa(sari()).visit(2).td(90, 60)),
        one("PERIKSA Sari TD 90/60", periksa(sari()).td(90, 60)),
        one(
            "PERIKSA Sari K2 BB=56,5 HB:10,8",
            periksa(sari()).visit(2).bb(56.5).hb(10.8),
        ),
        one("PERIKSA Sari TTD 30 tablet", periksa(sari()).ttd(30)),
        one("PERIKSA Sari K2 TTD30", periksa(sari()).visit(2).ttd(30)),
        one(
            "PERIKSA Sari Dewi K2 LILA 23,5 kemarin",
            periksa(name("Sari Dewi")).visit(2).lila(23.5).on(kemarin()),
        ),
        one(
            "PERIKSA Sari K2 td 120/80 bb 60kg",
            periksa(sari()).visit(2).td(120, 80).bb(60.0),
        ),
        one(
            "PERIKSA Sari tgl 28/11 K5 TD 130/90",
            periksa(sari()).visit(5).td(130, 90).on(d(2026, 11, 28)),
        ),
        one(
            "PERIKSA Sari; K2; BB 55; TD 120/80",
            periksa(sari()).visit(2).bb(55.0).td(120, 80),
        ),
        one("PERIKSA Sari", periksa(sari())),
        one("PERIKSA", missing(K::Periksa, field::IBU)),
        one("PERIKSA Sari K2 55", unexpected(K::Periksa, "55")),
        one(
            "PERIKSA Sari K10",
            invalid(K::Periksa, field::KUNJUNGAN, "10"),
        ),
        one("PERIKSA Sari TD 120", invalid(K::Periksa, field::TD, "120")),
        one(
            "PERIKSA Sari HB 11,2,5",
            invalid(K::Periksa, field::HB, "11,2,5"),
        ),
        one(
            "PERIKSA Sari K2 10-12-2026",
            future(K::Periksa, d(2026, 12, 10)),
        ),
        one(
            "PERIKSA Sari K2 TD 120/80 K3",
            unexpected(K::Periksa, "K 3"),
        ),
        one("PERIKSA Sari K2 pusing", unexpected(K::Periksa, "pusing")),
        one(
            "PERIKSA Sari K2 HB 11,2 g/dl TD 110/70",
            periksa(sari()).visit(2).hb(11.2).td(110, 70),
        ),
        one("PERIKSA Sari HB 10,5 g%", periksa(sari()).hb(10.5)),
    ]
}

fn lahir_cases() -> Vec<Case> {
    let nov20 = d(2026, 11, 20);
    let sari_budi = || split(name("Sari"), "Budi");
    vec![
        one(
            "LAHIR Sari, Budi L 20-11-2026 3200 49",
            lahir(sari_budi(), L, nov20, 3200).length(49.0),
        ),
        one(
            "LAHIR Sari Budi L 20-11-2026 3200",
            lahir(unsplit(&["Sari", "Budi"]), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari Dewi Budi Santoso P 20/11/26 3,2kg",
            lahir(
                unsplit(&["Sari", "Dewi", "Budi", "Santoso"]),
                P,
                nov20,
                3200,
            ),
        ),
        one(
            "LAHIR 48213 Budi L 20-11-2026 3200",
            lahir(split(code("48213"), "Budi"), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari 48213 Budi L 20-11-2026 3200",
            lahir(split(code("48213"), "Budi"), L, nov20, 3200),
        ),
        one(
            "LAHIR 3201234567890123 Budi L 20-11-2026 3200",
            lahir(split(nik("3201234567890123"), "Budi"), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari # Budi # L # 20-11-2026 # 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari; Budi; P; kemarin; 3,2",
            lahir(sari_budi(), P, kemarin(), 3200),
        ),
        one(
            "LAHIR Sari / Budi L kemarin 3200 gr 49 cm",
            lahir(sari_budi(), L, kemarin(), 3200).length(49.0),
        ),
        one(
            "LAHIR ibu Sari bayi Budi L hari ini 3200",
            lahir(sari_budi(), L, today(), 3200),
        ),
        one(
            "LAHIR Sari Dewi, Budi Santoso L 20-11-2026 3200",
            lahir(split(name("Sari Dewi"), "Budi Santoso"), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi laki-laki 20-11-2026 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi laki laki 20-11-2026 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Ayu perempuan 20-11-2026 2900",
            lahir(split(name("Sari"), "Ayu"), P, nov20, 2900),
        ),
        one(
            "LAHIR Sari, Ayu cewek 20-11-2026 2900",
            lahir(split(name("Sari"), "Ayu"), P, nov20, 2900),
        ),
        one(
            "LAHIR Sari, Budi cowok 20-11-2026 3,5 kg",
            lahir(sari_budi(), L, nov20, 3500),
        ),
        one(
            "LAHIR Sari, Budi Lk 20-11-2026 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Ayu Pr 20-11-2026 3200",
            lahir(split(name("Sari"), "Ayu"), P, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi 3200 L 20-11-2026",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi 20-11-2026 L 49cm 3200g",
            lahir(sari_budi(), L, nov20, 3200).length(49.0),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 3.200 g",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 BB 3200 PB 49",
            lahir(sari_budi(), L, nov20, 3200).length(49.0),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 3,2",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 2,75kg",
            lahir(sari_budi(), L, nov20, 2750),
        ),
        one(
            "LAHIR Sari, Budi L 20 nov 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi L 20 nov 2026 3200 49",
            lahir(sari_budi(), L, nov20, 3200).length(49.0),
        ),
        one(
            "LAHIR Sari, Budi L tgl lahir 20/11 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHR Sari, Budi L 20-11-2026 3200",
            lahir(sari_budi(), L, nov20, 3200),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026",
            missing(K::Lahir, field::BERAT_LAHIR),
        ),
        one(
            "LAHIR Sari, Budi 20-11-2026 3200",
            missing(K::Lahir, field::JENIS_KELAMIN),
        ),
        one(
            "LAHIR Sari, Budi L 3200",
            missing(K::Lahir, field::TANGGAL_LAHIR),
        ),
        one(
            "LAHIR Sari L 20-11-2026 3200",
            missing(K::Lahir, field::NAMA_BAYI),
        ),
        one(
            "LAHIR 48213 L 20-11-2026 3200",
            missing(K::Lahir, field::NAMA_BAYI),
        ),
        one("LAHIR", missing(K::Lahir, field::IBU)),
        one(
            "LAHIR Sari, Budi L 20-12-2026 3200",
            future(K::Lahir, d(2026, 12, 20)),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 32",
            invalid(K::Lahir, field::BERAT_LAHIR, "32"),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 3,2 g",
            invalid(K::Lahir, field::BERAT_LAHIR, "3,2 g"),
        ),
        one(
            "LAHIR Sari, Budi L 20-11-2026 3200 49 50",
            unexpected(K::Lahir, "50"),
        ),
        one(
            "LAHIR Sari, Budi L P 20-11-2026 3200",
            unexpected(K::Lahir, "P"),
        ),
    ]
}

fn datang_cases() -> Vec<Case> {
    let april = d(2025, 4, 3);
    let feb = d(2025, 2, 1);
    vec![
        one("DATANG Rina P 03-04-2025", datang("Rina", P, april)),
        one(
            "DATANG Rina Putri P 03-04-2025 3201234567890123 dari Bandung 081234567890",
            datang("Rina Putri", P, april)
                .nik("3201234567890123")
                .from("Bandung")
                .hp("081234567890"),
        ),
        one(
            "PENDATANG Budi L 1/2/25 asal Garut",
            datang("Budi", L, feb).from("Garut"),
        ),
        one(
            "DATANG Budi laki-laki 01-02-2025 Bandung",
            datang("Budi", L, feb).from("Bandung"),
        ),
        one(
            "DATANG Budi L 01-02-2025 NIK 3201234567890123 HP 081234567890",
            datang("Budi", L, feb)
                .nik("3201234567890123")
                .hp("081234567890"),
        ),
        one(
            "DATANG Budi L 01-02-2025 dari Bandung Barat",
            datang("Budi", L, feb).from("Bandung Barat"),
        ),
        one("DATANG Budi cowok 1 feb 2025", datang("Budi", L, feb)),
        one(
            "DATANG Sari P 12-05-1995 dari Garut",
            datang("Sari", P, d(1995, 5, 12)).from("Garut"),
        ),
        one(
            "DATANG Ny. Sari P 12-05-1995",
            datang("Sari", P, d(1995, 5, 12)),
        ),
        one("DATNG Budi L 01-02-2025", datang("Budi", L, feb)),
        one(
            "datang budi santoso l 1-2-2025",
            datang("budi santoso", L, feb),
        ),
        one("DATANG Budi L", missing(K::Datang, field::TANGGAL_LAHIR)),
        one(
            "DATANG Budi 01-02-2025",
            missing(K::Datang, field::JENIS_KELAMIN),
        ),
        one("DATANG", missing(K::Datang, field::NAMA)),
        one("DATANG 48213 L 01-02-2025", missing(K::Datang, field::NAMA)),
        one("DATANG Budi L 01-02-2027", future(K::Datang, d(2027, 2, 1))),
        one(
            "DATANG Budi ibu Sari L 01-02-2025",
            unexpected(K::Datang, "ibu Sari"),
        ),
        one(
            "DATANG Budi L 01-02-2025 dari",
            missing(K::Datang, field::ASAL),
        ),
        one(
            "DATANG Budi L 01-02-2025 Bandung 3 bulan",
            unexpected(K::Datang, "3 bulan"),
        ),
    ]
}

fn pindah_meninggal_cases() -> Vec<Case> {
    let ayu = || code("48213");
    vec![
        one("PINDAH 48213", pindah(ayu())),
        one(
            "PINDAH 48213 10-11-2026 Bandung",
            pindah(ayu()).on(d(2026, 11, 10)).to("Bandung"),
        ),
        one("PINDAH 48213 ke Bandung", pindah(ayu()).to("Bandung")),
        one("PINDAH 48213 Bandung", pindah(ayu()).to("Bandung")),
        one(
            "PINDAH Putu Ayu ke Denpasar 10/11",
            pindah(name("Putu Ayu")).to("Denpasar").on(d(2026, 11, 10)),
        ),
        one(
            "PINDAH Putu Ayu ibu Sari tujuan Kota Bandung",
            pindah(child_of("Putu Ayu", "Sari")).to("Kota Bandung"),
        ),
        one(
            "PINDAH ibu Sari kemarin ke Surabaya",
            pindah(name("Sari")).on(kemarin()).to("Surabaya"),
        ),
        one(
            "PINDAH Putu Ayu kemarin",
            pindah(name("Putu Ayu")).on(kemarin()),
        ),
        one("PINDHA 48213 ke Bandung", pindah(ayu()).to("Bandung")),
        one("PINDAH", missing(K::Pindah, field::ORANG)),
        one("PINDAH 48213 ke", missing(K::Pindah, field::TUJUAN)),
        one(
            "PINDAH 48213 10-12-2026",
            future(K::Pindah, d(2026, 12, 10)),
        ),
        one(
            "PINDAH 48213 ke Bandung 10/11 Jakarta",
            unexpected(K::Pindah, "Jakarta"),
        ),
        one("MENINGGAL 48213", meninggal(ayu())),
        one("MENINGGAL 48213 kemarin", meninggal(ayu()).on(kemarin())),
        one(
            "meninggal Putu Ayu ibu Sari 28-11-2026",
            meninggal(child_of("Putu Ayu", "Sari")).on(d(2026, 11, 28)),
        ),
        one(
            "MENINGGAL ibu Sari 28/11",
            meninggal(name("Sari")).on(d(2026, 11, 28)),
        ),
        one("MENINGAL 48213", meninggal(ayu())),
        one("MENINGGAL", missing(K::Meninggal, field::ORANG)),
        one(
            "MENINGGAL 48213 02-12-2026",
            future(K::Meninggal, d(2026, 12, 2)),
        ),
        one(
            "MENINGGAL 48213 karena diare",
            unexpected(K::Meninggal, "karena diare"),
        ),
    ]
}

fn imun_cases() -> Vec<Case> {
    let ayu = || code("48213");
    vec![
        one("IMUN 48213 BCG", imun(ayu(), &[("BCG", None)])),
        one(
            "IMUN 48213 BCG polio1",
            imun(ayu(), &[("BCG", None), ("OPV", Some(1))]),
        ),
        one("IMUNISASI 48213 HB0", imun(ayu(), &[("HB0", None)])),
        one(
            "IMUN 48213 HB-0 BCG",
            imun(ayu(), &[("HB0", None), ("BCG", None)]),
        ),
        one("IMUN 48213 HB 0", imun(ayu(), &[("HB0", None)])),
        one("IMUN 48213 hepatitis b0", imun(ayu(), &[("HB0", None)])),
        one(
            "IMUN 48213 polio 2 DPT-HB-Hib 1",
            imun(ayu(), &[("OPV", Some(2)), ("DPT-HB-Hib", Some(1))]),
        ),
        one(
            "IMUN 48213 OPV-2 penta2 PCV1 RV1",
            imun(
                ayu(),
                &[
                    ("OPV", Some(2)),
                    ("DPT-HB-Hib", Some(2)),
                    ("PCV", Some(1)),
                    ("RV", Some(1)),
                ],
            ),
        ),
        one(
            "IMUN 48213 DPT2 polio3 kemarin",
            imun(ayu(), &[("DPT-HB-Hib", Some(2)), ("OPV", Some(3))]).on(kemarin()),
        ),
        one(
            "IMUN Putu Ayu DPT3 polio4 IPV",
            imun(
                name("Putu Ayu"),
                &[("DPT-HB-Hib", Some(3)), ("OPV", Some(4)), ("IPV", None)],
            ),
        ),
        one(
            "IMUN Putu Ayu ibu Sari MR",
            imun(child_of("Putu Ayu", "Sari"), &[("MR", None)]),
        ),
        one("IMUN 48213 campak", imun(ayu(), &[("MR", None)])),
        one(
            "IMUN 48213 MR1 JE",
            imun(ayu(), &[("MR", Some(1)), ("JE", None)]),
        ),
        one(
            "IMUN 48213 pentavalen 1, polio 2",
            imun(ayu(), &[("DPT-HB-Hib", Some(1)), ("OPV", Some(2))]),
        ),
        one(
            "IMUN 48213 BCG + polio1",
            imun(ayu(), &[("BCG", None), ("OPV", Some(1))]),
        ),
        one(
            "IMUN 48213 BCG dan polio 1",
            imun(ayu(), &[("BCG", None), ("OPV", Some(1))]),
        ),
        one(
            "IMUN 48213 rotavirus 2 pneumokokus 2",
            imun(ayu(), &[("RV", Some(2)), ("PCV", Some(2))]),
        ),
        one("IMUN 48213 PCV13", imun(ayu(), &[("PCV", None)])),
        one(
            "IMUN 48213 dpt hb hib 1",
            imun(ayu(), &[("DPT-HB-Hib", Some(1))]),
        ),
        one("IMUN 48213 polio suntik", imun(ayu(), &[("IPV", None)])),
        one(
            "IMUN 48213 bOPV3 rota3",
            imun(ayu(), &[("OPV", Some(3)), ("RV", Some(3))]),
        ),
        one(
            "IMUN 48213 BCG 10 nov",
            imun(ayu(), &[("BCG", None)]).on(d(2026, 11, 10)),
        ),
        one(
            "IMUN 48213 10/11 BCG",
            imun(ayu(), &[("BCG", None)]).on(d(2026, 11, 10)),
        ),
        one("IMUNISAS 48213 BCG", imun(ayu(), &[("BCG", None)])),
        one(
            "imunisasi putu ayu bcg",
            imun(name("putu ayu"), &[("BCG", None)]),
        ),
        one("IMUN 48213", missing(K::Imun, field::VAKSIN)),
        one("IMUN Putu Ayu", missing(K::Imun, field::VAKSIN)),
        one("IMUN 48213 XYZ", invalid(K::Imun, field::VAKSIN, "XYZ")),
        one("IMUN 48213 HB1", invalid(K::Imun, field::VAKSIN, "HB 1")),
        one(
            "IMUN 48213 DPT 12",
            invalid(K::Imun, field::VAKSIN, "DPT 12"),
        ),
        one(
            "IMUN 48213 BCG 10-12-2026",
            future(K::Imun, d(2026, 12, 10)),
        ),
    ]
}

fn vita_cari_cases() -> Vec<Case> {
    let ayu = || code("48213");
    vec![
        one("VITA 48213 biru", vita(ayu(), Some(Capsule::Blue))),
        one(
            "VITA 48213 merah kemarin",
            vita(ayu(), Some(Capsule::Red)).on(kemarin()),
        ),
        one("VITA 48213", vita(ayu(), None)),
        one("VIT A 48213 red", vita(ayu(), Some(Capsule::Red))),
        one(
            "VITAMIN A Putu Ayu kapsul merah",
            vita(name("Putu Ayu"), Some(Capsule::Red)),
        ),
        one(
            "VITA ibu Sari merah",
            vita(name("Sari"), Some(Capsule::Red)),
        ),
        one(
            "VITA Putu Ayu ibu Sari blue",
            vita(child_of("Putu Ayu", "Sari"), Some(Capsule::Blue)),
        ),
        one(
            "vita 48213 biru 1 agustus",
            vita(ayu(), Some(Capsule::Blue)).on(d(2026, 8, 1)),
        ),
        one("VITA 48213 hijau", unexpected(K::Vita, "hijau")),
        one("VITA 48213 biru merah", unexpected(K::Vita, "merah")),
        one("VITA", missing(K::Vita, field::ANAK)),
        one("CARI Putu Ayu", cari("Putu Ayu")),
        one("cari putu", cari("putu")),
        one("CARI Putu Ayu ibu Sari", cari("Putu Ayu ibu Sari")),
        one("CARI", missing(K::Cari, field::NAMA)),
    ]
}

fn short_cases() -> Vec<Case> {
    vec![
        one("JADWAL", Command::Jadwal),
        one("jadwal posyandu", Command::Jadwal),
        one("JADWLA", Command::Jadwal),
        one("BATAL", Command::Batal),
        one("HAPUS", Command::Batal),
        one("batal.", Command::Batal),
        one("BATAL Ayu", unexpected(K::Batal, "Ayu")),
        one("BANTU", bantu(None)),
        one("?", bantu(None)),
        one("HELP", bantu(None)),
        one("FORMAT", bantu(None)),
        one("FORMAT TIMBANG", bantu(Some(K::Timbang))),
        one("format t", bantu(Some(K::Timbang))),
        one("? LAHIR", bantu(Some(K::Lahir))),
        one("BANTU bumil baru", bantu(Some(K::Hamil))),
        one("FORMAT PRIKSA", bantu(Some(K::Periksa))),
        one("HELP imunisasi", bantu(Some(K::Imun))),
        one("BANTU saya", bantu(None)),
        one("STOP", Command::Stop),
        one("BERHENTI", Command::Stop),
        one("stop ya kak", Command::Stop),
        one("MULAI", Command::Mulai),
        one("YA", Command::Ya),
        one("Y", Command::Ya),
        one("iya", Command::Ya),
        one("OK", Command::Ya),
        one("ok", Command::Ya),
        one("TIDAK", Command::Tidak),
        one("TDK", Command::Tidak),
        one("gak", Command::Tidak),
        one("NO", Command::Tidak),
        one("YA 8,5", unexpected(K::Ya, "8,5")),
        one("ok kak", Command::Ya),
        one("Iya bu bidan, betul", Command::Ya),
        one("ya tapi 9,5", unexpected(K::Ya, "tapi")),
        one("tidak kak", Command::Tidak),
        one("batal ya bu", Command::Batal),
        one("HALO bu bidan", unknown("HALO")),
        one("Selamat pagi", unknown("Selamat")),
        one("48213 8,5", unknown("48213")),
        one("TIMBANGAN 48213 8,5", unknown("TIMBANGAN")),
        one("HUMIL Sari 10-06-2026", unknown("HUMIL")),
        one("IMUM 48213 BCG", unknown("IMUM")),
    ]
}

fn batch_cases() -> Vec<Case> {
    let t = |c: &str, kg| Ok(timbang(code(c), kg));
    vec![
        many(
            "TIMBANG 48213 8,5 72\nTIMBANG 48214 9,1 75\nTIMBANG 48215 7,8 68",
            vec![
                Ok(timbang(code("48213"), 8.5).length(72.0)),
                Ok(timbang(code("48214"), 9.1).length(75.0)),
                Ok(timbang(code("48215"), 7.8).length(68.0)),
            ],
        ),
        many(
            "T 48213 8,5\r\nT 48214 9,1\r\n",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "T 48213 8,5\n\n\nT 48214 9,1",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "1. T 48213 8,5\n2. T 48214 9,1\n3. IMUN 48215 BCG",
            vec![
                t("48213", 8.5),
                t("48214", 9.1),
                Ok(imun(code("48215"), &[("BCG", None)])),
            ],
        ),
        many(
            "Posyandu Mawar 10/11\nT 48213 8,5\nT 48214",
            vec![
                unknown("Posyandu"),
                t("48213", 8.5),
                missing(K::Timbang, field::BERAT),
            ],
        ),
        many(
            "- T 48213 8,5\n- T 48214 9,1",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "• T 48213 8,5\n• T 48214 9,1",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "T 48213 8,5\u{2028}T 48214 9,1",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "*T 48213 8,5*\n*T 48214 9,1*",
            vec![t("48213", 8.5), t("48214", 9.1)],
        ),
        many(
            "T 48213 8,5 72\nIMUN 48213 DPT2 polio3\nVITA 48213 biru",
            vec![
                Ok(timbang(code("48213"), 8.5).length(72.0)),
                Ok(imun(
                    code("48213"),
                    &[("DPT-HB-Hib", Some(2)), ("OPV", Some(3))],
                )),
                Ok(vita(code("48213"), Some(Capsule::Blue))),
            ],
        ),
        many(
            "\u{200B}\n T 48213 8,5 \n\u{FEFF}\n---",
            vec![t("48213", 8.5)],
        ),
        many(
            "T 48213 8,5\nTIMBANG 48214\nT 48215 8,5,3\nT 48216 7,9 kemarin",
            vec![
                t("48213", 8.5),
                missing(K::Timbang, field::BERAT),
                invalid(K::Timbang, field::BERAT, "8,5,3"),
                Ok(timbang(code("48216"), 7.9).on(kemarin())),
            ],
        ),
        many(
            "PERIKSA Sari K2 TD 110/70\nLAHIR Dewi, Made L kemarin 3100\nHAMIL Rina 01-09-2026",
            vec![
                Ok(periksa(name("Sari")).visit(2).td(110, 70)),
                Ok(lahir(split(name("Dewi"), "Made"), L, kemarin(), 3100)),
                Ok(hamil(name("Rina"), d(2026, 9, 1))),
            ],
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    [
        timbang_cases(),
        hamil_cases(),
        periksa_cases(),
        lahir_cases(),
        datang_cases(),
        pindah_meninggal_cases(),
        imun_cases(),
        vita_cari_cases(),
        short_cases(),
        batch_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn every_message_in_the_table() {
    let cases = all_cases();
    assert!(cases.len() >= 220, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got: Vec<Parsed> = parse(case.message, today())
            .into_iter()
            .map(|line| line.parsed)
            .collect();
        if got != case.expected {
            failures.push(format!(
                "{:?}\n   got: {got:?}\n  want: {:?}",
                case.message, case.expected
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn each_line_keeps_its_text_as_received() {
    let lines = parse(
        " TIMBANG 48213 8,5 \r\n\n\u{200B}T Putu\u{00A0}Ayu 9 ",
        today(),
    );
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["TIMBANG 48213 8,5", "T Putu\u{00A0}Ayu 9"]);
    assert!(parse("", today()).is_empty());
    assert!(parse(" \n\t\n", today()).is_empty());
}

#[test]
fn on_5_january_10_des_is_last_december() {
    let lines = parse("TIMBANG 48213 8,5 10 Des", d(2027, 1, 5));
    assert_eq!(
        lines[0].parsed,
        Ok(timbang(code("48213"), 8.5).on(d(2026, 12, 10)))
    );
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn arbitrary_input_never_panics() {
    const PIECES: &[&str] = &[
        "TIMBANG",
        "T",
        "LAHIR",
        "IMUN",
        "PERIKSA",
        "HAMIL",
        "DATANG",
        "PINDAH",
        "VITA",
        "CARI",
        "FORMAT",
        "bumil",
        "baru",
        "48213",
        "3201234567890123",
        "081234567890",
        "+62",
        "8,5",
        "8.5",
        ",",
        ",,",
        ".",
        "..",
        "/",
        "//",
        "-",
        "#",
        ";",
        "*",
        "?",
        "=",
        ":",
        "+",
        "ibu",
        "bayi",
        "ke",
        "dari",
        "tgl",
        "hari",
        "ini",
        "kemarin",
        "10",
        "feb",
        "2026",
        "31-02-2026",
        "10/2",
        "120/80",
        "LILA",
        "LK",
        "K",
        "K-",
        "TD",
        "HB",
        "polio",
        "hepatitis",
        "b",
        "dpt",
        "hb",
        "hib",
        "ke-",
        "L",
        "P",
        "laki",
        "kg",
        "g",
        "cm",
        "3200",
        "0",
        "\u{200B}",
        "\u{FEFF}",
        "\u{00A0}",
        "é",
        "Ñ",
        "😀",
        "你",
        "\u{0301}",
        "ＴＩＭ",
        "８，５",
        "\u{2028}",
        "\n",
        "\r",
        "\t",
        " ",
        "  ",
        "9999999999999999999999999999",
        "1.2.3.4.5",
        "1-2-3-4",
        "-5",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let days = [
        today(),
        d(1, 1, 1),
        d(2000, 2, 29),
        NaiveDate::MAX,
        NaiveDate::MIN,
    ];
    for round in 0..4000 {
        let mut message = String::new();
        for _ in 0..rng.below(16) {
            if rng.below(4) == 0 {
                // Any Unicode scalar value, control characters included.
                let c = char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{FFFD}');
                message.push(c);
            } else {
                message.push_str(PIECES[rng.below(PIECES.len())]);
                if rng.below(2) == 0 {
                    message.push(' ');
                }
            }
        }
        let day = days[round % days.len()];
        for line in parse(&message, day) {
            if let Err(error) = &line.parsed {
                let _ = super::help::explain(error);
            }
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, today());
        let _ = super::sms::to_gsm7(&text);
        let _ = super::sms::first_segment(&text);
    }
}
