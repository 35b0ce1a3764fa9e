//! The bot's answers, in short Indonesian: pure functions from what the API
//! recorded to text. The essential part comes first, so that it fits the
//! first SMS segment (160 characters).
use chrono::{Datelike, NaiveDate};
use openapi::growth::{KmsStatus, Nutrition, Position, ReferralReason, Weighing, WeightForAge};
use openapi::maternal::{AntenatalContact, Birth, Capsule, Pregnancy, RiskFlag, Trimester};
use openapi::problem::Problem;

use crate::chat::CommandKind;

/// `8,5`: a decimal comma, as Indonesians write.
pub fn decimal(value: f64, places: usize) -> String {
    format!("{value:.places$}").replace('.', ",")
}

/// A measurement as the sender wrote it: `85`, `8,5` (no `85,0`).
pub fn amount(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        decimal(value, 1)
    }
}

/// A z-score for people: two decimals, a real minus sign.
pub fn zscore(z: f64) -> String {
    let text = decimal(z.abs(), 2);
    if z < 0.0 {
        format!("\u{2212}{text}")
    } else {
        format!("+{text}")
    }
}

pub fn date(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

pub fn weekday(d: NaiveDate) -> &'static str {
    use chrono::Weekday::*;
    match d.weekday() {
        Mon => "Senin",
        Tue => "Selasa",
        Wed => "Rabu",
        Thu => "Kamis",
        Fri => "Jumat",
        Sat => "Sabtu",
        Sun => "Minggu",
    }
}

/// Completed months, as the KMS counts them: a month is complete on the
/// same day of a later month.
pub fn completed_months(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if on.day() < birth.day() {
        months -= 1;
    }
    months.max(0)
}

/// "1 th 2 bln", "5 bln", "12 hr": completed years and months as the KMS
/// counts them, days under a month.
pub fn age(birth: NaiveDate, on: NaiveDate) -> String {
    let months = completed_months(birth, on);
    if months <= 0 {
        return format!("{} hr", (on - birth).num_days().max(0));
    }
    match (months / 12, months % 12) {
        (0, m) => format!("{m} bln"),
        (y, 0) => format!("{y} th"),
        (y, m) => format!("{y} th {m} bln"),
    }
}

fn kms(w: &Weighing) -> String {
    let gain = w.gain_g.map(|g| {
        if g >= 0 {
            format!(" (+{g} g)")
        } else {
            format!(" (\u{2212}{} g)", -g)
        }
    });
    match w.kms_status {
        KmsStatus::N => format!("N{}", gain.unwrap_or_default()),
        KmsStatus::T => format!("T{}", gain.unwrap_or_default()),
        KmsStatus::O => "O (bulan lalu tidak ditimbang)".into(),
        KmsStatus::B => "B (baru)".into(),
    }
}

/// What the weighing means, most serious first.
fn findings(w: &Weighing) -> Vec<String> {
    let mut out = Vec::new();
    if w.bgm {
        out.push(format!(
            "BGM (BB/U {})",
            w.z.wfa.map(zscore).unwrap_or_default()
        ));
    } else if w.categories.bbu == Some(WeightForAge::Kurang) {
        out.push(format!(
            "Berat kurang (BB/U {})",
            w.z.wfa.map(zscore).unwrap_or_default()
        ));
    }
    match w.categories.bbtb {
        Some(Nutrition::GiziBuruk) => out.push(format!(
            "Gizi buruk (BB/TB {})",
            w.z.wflh.map(zscore).unwrap_or_default()
        )),
        Some(Nutrition::GiziKurang) => out.push(format!(
            "Gizi kurang (BB/TB {})",
            w.z.wflh.map(zscore).unwrap_or_default()
        )),
        _ => {}
    }
    if w.stunting {
        let label = w
            .categories
            .tbu_label
            .clone()
            .unwrap_or_else(|| "Pendek".into());
        out.push(format!(
            "{} (TB/U {})",
            capitalise(&label),
            w.z.lhfa.map(zscore).unwrap_or_default()
        ));
    }
    if w.two_t {
        out.push("2T (dua kali tidak naik)".into());
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `✓ Putu Ayu (1 th 2 bln) BB 8,5 kg N (+300 g), PB 72 cm. Pendek (TB/U
/// −2,31) → rujuk ke Puskesmas. Kode 48213`
pub fn weighing_saved(
    name: &str,
    code: &str,
    birth: NaiveDate,
    w: &Weighing,
    already: bool,
) -> String {
    let mut text = format!(
        "{name} ({}) BB {} kg {}",
        age(birth, w.measured_on),
        decimal(w.weight_kg, 1),
        kms(w)
    );
    if let Some(length) = w.length_cm {
        let label = match w.position {
            Some(Position::Standing) => "TB",
            Some(Position::Lying) => "PB",
            None if w.age_days < 731 => "PB",
            None => "TB",
        };
        text.push_str(&format!(", {label} {} cm", decimal(length, 1)));
    }
    if let Some(muac) = w.muac_cm {
        text.push_str(&format!(", LILA {} cm", decimal(muac, 1)));
    }
    text.push('.');
    let found = findings(w);
    if !found.is_empty() {
        text.push(' ');
        text.push_str(&found.join(", "));
        text.push('.');
    }
    if !w.referral.is_empty() {
        text.push_str(" \u{2192} rujuk ke Puskesmas.");
    }
    if w.implausible.wfa || w.implausible.lhfa || w.implausible.wflh {
        text.push_str(" Nilai tidak biasa: periksa ulang.");
    }
    text.push_str(&format!(" Kode {code}"));
    if already {
        format!("Sudah tercatat: {text}")
    } else {
        format!("\u{2713} {text}")
    }
}

pub fn referral_words(reasons: &[ReferralReason]) -> Vec<&'static str> {
    reasons
        .iter()
        .map(|r| match r {
            ReferralReason::TidakNaik => "tidak naik",
            ReferralReason::DuaT => "2T",
            ReferralReason::Bgm => "BGM",
            ReferralReason::GiziBuruk => "gizi buruk",
            ReferralReason::GiziKurang => "gizi kurang",
            ReferralReason::StuntingBaru => "pendek (baru)",
        })
        .collect()
}

fn trimester(t: Trimester) -> &'static str {
    match t {
        Trimester::First => "I",
        Trimester::Second => "II",
        Trimester::Third => "III",
    }
}

fn risk(flag: RiskFlag) -> &'static str {
    match flag {
        RiskFlag::AgeUnder20 => "terlalu muda",
        RiskFlag::AgeOver35 => "terlalu tua",
        RiskFlag::BirthIntervalUnder2Years => "jarak lahir < 2 th",
        RiskFlag::MoreThan3Children => "anak > 3",
        RiskFlag::HeightUnder145 => "TB < 145 cm",
    }
}

/// `✓ Ibu Sari hamil 12 mg 3 hr (trimester I), HPL 17-06-2027. Risiko:
/// terlalu muda. Kode 48213`
pub fn pregnancy_saved(p: &Pregnancy, code: &str, already: bool) -> String {
    let mut text = format!("Ibu {} hamil", p.mother_name);
    if let Some(ga) = p.gestational_age {
        text.push_str(&format!(" {} mg {} hr", ga.weeks, ga.days));
    }
    if let Some(t) = p.trimester {
        text.push_str(&format!(" (trimester {})", trimester(t)));
    }
    text.push_str(&format!(", HPL {}.", date(p.due_date)));
    if !p.risk_flags.is_empty() {
        let flags: Vec<&str> = p.risk_flags.iter().map(|f| risk(*f)).collect();
        text.push_str(&format!(
            " Risiko: {} \u{2192} periksa ke bidan.",
            flags.join(", ")
        ));
    }
    text.push_str(&format!(" Kode {code}"));
    if already {
        format!("Sudah tercatat: {text}")
    } else {
        format!("\u{2713} {text}")
    }
}

/// `✓ Ibu Sari K2 (20 mg 1 hr). LILA 22 cm KEK. Berikutnya 15-01-2027`
pub fn contact_saved(
    mother: &str,
    c: &AntenatalContact,
    next: Option<NaiveDate>,
    already: bool,
) -> String {
    let mut text = format!(
        "Ibu {mother} K{} ({} mg {} hr)",
        c.number, c.gestational_age.weeks, c.gestational_age.days
    );
    let mut flags = Vec::new();
    if c.kek {
        flags.push(format!(
            "LILA {} cm KEK",
            decimal(c.lila_cm.unwrap_or_default(), 1)
        ));
    }
    if c.anaemia {
        flags.push(format!(
            "Hb {} anemia",
            decimal(c.hb_g_dl.unwrap_or_default(), 1)
        ));
    }
    if c.hypertension {
        flags.push(format!(
            "TD {}/{} tinggi",
            c.systolic.unwrap_or_default(),
            c.diastolic.unwrap_or_default()
        ));
    }
    if flags.is_empty() {
        text.push('.');
    } else {
        text.push_str(&format!(
            ". {} \u{2192} rujuk ke Puskesmas.",
            flags.join(", ")
        ));
    }
    if let Some(next) = next {
        text.push_str(&format!(" Periksa berikutnya {}", date(next)));
    }
    if already {
        format!("Sudah tercatat: {text}")
    } else {
        format!("\u{2713} {text}")
    }
}

/// `✓ Lahir: Bayi Ayu (P) 3.200 g, 01-12-2026, ibu Sari. Kode 48213. Beri HB0 hari ini.`
pub fn birth_saved(b: &Birth, already: bool) -> String {
    let person = &b.child.person;
    let sex = match person.sex {
        openapi::growth::Sex::L => "L",
        openapi::growth::Sex::P => "P",
    };
    let mut text = format!(
        "Lahir: {} ({sex}) {} g, {}, ibu {}.",
        person.name,
        b.child.birth_weight_g.unwrap_or_default(),
        date(person.birth_date),
        b.pregnancy.mother_name
    );
    if b.low_birth_weight {
        text.push_str(" BBLR \u{2192} rujuk ke Puskesmas.");
    }
    text.push_str(&format!(" Kode {}.", person.code));
    // What to give now (HB0 within 24 hours), not the months ahead: those
    // come as reminders.
    let due: Vec<String> = b
        .immunisation_due
        .iter()
        .filter(|d| d.due_on <= person.birth_date)
        .map(|d| dose_label(&d.antigen, d.dose))
        .collect();
    if !due.is_empty() {
        text.push_str(&format!(" Beri {} hari ini.", due.join(", ")));
    }
    if already {
        format!("Sudah tercatat: {text}")
    } else {
        format!("\u{2713} {text}")
    }
}

pub fn dose_label(antigen: &str, dose: u8) -> String {
    if antigen == "HB0" || antigen == "BCG" {
        antigen.to_owned()
    } else {
        format!("{antigen} {dose}")
    }
}

pub fn capsule(c: Capsule) -> &'static str {
    match c {
        Capsule::Blue => "biru",
        Capsule::Red => "merah",
    }
}

/// A line's failure: what the API said, in the kader's words.
pub fn explain_problem(command: CommandKind, problem: &Problem) -> String {
    if let Some(error) = problem.errors.first() {
        let what = field_words(&error.field);
        if error.message.contains("already") {
            return format!("{what}: sudah tercatat sebelumnya.");
        }
        return match error.code.as_str() {
            "required" => format!("{what} belum ada."),
            "out_of_range" => format!("{what} di luar batas wajar."),
            "taken" => format!("{what} sudah dipakai orang lain."),
            "unknown" => format!("{what} tidak dikenal."),
            _ if error.message.contains("future") => format!("{what}: tanggal belum terjadi."),
            _ if error.message.contains("before") => format!("{what}: tanggal terlalu awal."),
            _ => format!("{what} tidak valid."),
        };
    }
    if problem.status == 409
        && problem
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("already recorded"))
    {
        return "Sudah tercatat sebelumnya (tanggal lain).".into();
    }
    match problem.status {
        404 => "Data tidak ditemukan di posyandu Anda.".into(),
        403 => "Anda tidak berhak mencatat ini.".into(),
        409 => match command {
            CommandKind::Hamil => "Ibu ini sudah tercatat hamil.".into(),
            CommandKind::Timbang => {
                "Sudah ada penimbangan lain hari itu. Hubungi bidan untuk koreksi.".into()
            }
            CommandKind::Lahir => "Kehamilan ini sudah ditutup.".into(),
            _ => "Bertentangan dengan data yang sudah ada.".into(),
        },
        _ => "Belum bisa dicatat.".into(),
    }
}

fn field_words(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    match last {
        "weight_kg" => "Berat",
        "weight_g" => "Berat lahir",
        "length_cm" => "Panjang/tinggi",
        "muac_cm" | "lila_cm" => "LILA",
        "head_cm" => "Lingkar kepala",
        "measured_on" | "date" | "given_on" | "event_date" | "arrived_on" => "Tanggal",
        "birth_date" => "Tanggal lahir",
        "hpht" => "HPHT",
        "nik" => "NIK",
        "phone" => "Nomor HP",
        "name" => "Nama",
        "hb_g_dl" => "Hb",
        "systolic" | "diastolic" => "Tekanan darah",
        "antigen" => "Vaksin",
        "dose" => "Dosis",
        "capsule" => "Kapsul",
        "mother_id" => "Ibu",
        _ => "Data",
    }
}

/// The one daily answer to a number the register does not know.
pub const UNKNOWN_NUMBER: &str = "Nomor ini belum terdaftar di sistem posyandu. Minta bidan desa atau puskesmas mendaftarkan nomor Anda.";

pub const TEXT_ONLY: &str =
    "Maaf, bot hanya membaca pesan teks. Kirim BANTU untuk daftar perintah.";

pub const MOTHER_COMMANDS: &str = "Perintah ini untuk kader. Ibu bisa kirim JADWAL (hari posyandu), STOP (berhenti pengingat) atau MULAI.";

pub const STOPPED: &str = "Pengingat posyandu dihentikan. Kirim MULAI untuk menerimanya lagi.";

pub const STARTED: &str = "Pengingat posyandu aktif lagi. Kirim STOP untuk berhenti.";

pub const NOTHING_TO_CONFIRM: &str =
    "Tidak ada yang menunggu jawaban YA. Kirim ulang laporan Anda.";

pub const NOTHING_TO_UNDO: &str =
    "Tidak ada laporan Anda dalam 24 jam terakhir yang bisa dibatalkan.";

/// A reply for several lines: each in order with its mark, numbered.
pub fn combine(lines: &[String]) -> String {
    match lines {
        [] => String::new(),
        [one] => one.clone(),
        many => many
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{}. {l}", i + 1))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_read_like_the_kms() {
        assert_eq!(age(d(2025, 10, 1), d(2026, 12, 1)), "1 th 2 bln");
        assert_eq!(age(d(2025, 12, 2), d(2026, 12, 1)), "11 bln");
        assert_eq!(age(d(2026, 11, 20), d(2026, 12, 1)), "11 hr");
        assert_eq!(age(d(2024, 12, 1), d(2026, 12, 1)), "2 th");
    }

    #[test]
    fn numbers_use_a_decimal_comma_and_a_minus_sign() {
        assert_eq!(decimal(8.5, 1), "8,5");
        assert_eq!(zscore(-2.314), "\u{2212}2,31");
        assert_eq!(zscore(0.5), "+0,50");
    }

    #[test]
    fn several_lines_are_numbered() {
        assert_eq!(combine(&["a".into()]), "a");
        assert_eq!(combine(&["a".into(), "b".into()]), "1. a\n2. b");
    }
}
