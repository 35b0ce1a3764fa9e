//! What a kader or a mother can say, once understood: the output of the
//! parser and the input of the pipeline. No I/O, no text.
use chrono::NaiveDate;
use openapi::growth::{Position, Sex};
use openapi::maternal::Capsule;

/// Who a report is about, as the sender named them.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonRef {
    /// The short public code printed in the Buku KIA (digits, check digit
    /// included; not yet verified against the register).
    Code(String),
    /// A 16-digit NIK (structure not yet checked).
    Nik(String),
    /// A name, with the mother's name when given (`Putu Ayu ibu Sari`,
    /// `Putu Ayu / Sari`).
    Name {
        name: String,
        mother: Option<String>,
    },
}

/// The mother and the baby of a `LAHIR` line. Without a separator or a code
/// the words cannot be split by grammar alone: the pipeline tries the
/// longest prefix that names a pregnant woman of the posyandu.
#[derive(Debug, Clone, PartialEq)]
pub enum BirthParties {
    Split {
        mother: PersonRef,
        baby_name: String,
    },
    Unsplit(Vec<String>),
}

/// One vaccine named in an `IMUN` line: an antigen code of the national
/// schedule (`HB0`, `BCG`, `OPV`, `DPT-HB-Hib`, `PCV`, `RV`, `IPV`, `MR`,
/// `JE`) and the dose number when given (`DPT2`, `polio 3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaccineDose {
    pub antigen: String,
    pub dose: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `TIMBANG <anak> <berat> [<panjang/tinggi>] [LILA x] [LK x] [tgl]`
    Timbang {
        child: PersonRef,
        weight_kg: f64,
        length_cm: Option<f64>,
        /// `PB` (lying) or `TB` (standing) when the sender said which;
        /// otherwise the API infers it from age.
        position: Option<Position>,
        muac_cm: Option<f64>,
        head_cm: Option<f64>,
        date: Option<NaiveDate>,
    },
    /// `HAMIL <nama ibu> <HPHT> [NIK] [HP 08…]`
    Hamil {
        mother: PersonRef,
        hpht: NaiveDate,
        nik: Option<String>,
        /// As written; the API normalises it.
        phone: Option<String>,
    },
    /// `PERIKSA <ibu> [K1..K6] [BB x] [LILA x] [HB x] [TD 120/80] [TTD n] [tgl]`
    Periksa {
        mother: PersonRef,
        visit: Option<u8>,
        weight_kg: Option<f64>,
        muac_cm: Option<f64>,
        hb: Option<f64>,
        blood_pressure: Option<(u16, u16)>,
        iron_tablets: Option<u16>,
        date: Option<NaiveDate>,
    },
    /// `LAHIR <ibu> <nama bayi> <L/P> <tgl lahir> <berat lahir> [panjang lahir]`
    Lahir {
        parties: BirthParties,
        sex: Sex,
        birth_date: NaiveDate,
        weight_g: u32,
        length_cm: Option<f64>,
    },
    /// `DATANG <nama> <L/P> <tgl lahir> [NIK] [asal] [HP]`
    Datang {
        name: String,
        sex: Sex,
        birth_date: NaiveDate,
        nik: Option<String>,
        origin: Option<String>,
        phone: Option<String>,
    },
    /// `PINDAH <orang> [tgl] [tujuan]`
    Pindah {
        person: PersonRef,
        date: Option<NaiveDate>,
        destination: Option<String>,
    },
    /// `MENINGGAL <orang> [tgl]`
    Meninggal {
        person: PersonRef,
        date: Option<NaiveDate>,
    },
    /// `IMUN <anak> <vaksin…> [tgl]`
    Imun {
        child: PersonRef,
        vaccines: Vec<VaccineDose>,
        date: Option<NaiveDate>,
    },
    /// `VITA <anak> [biru/merah] [tgl]`
    Vita {
        child: PersonRef,
        capsule: Option<Capsule>,
        date: Option<NaiveDate>,
    },
    /// `CARI <nama>`
    Cari { query: String },
    /// `JADWAL`
    Jadwal,
    /// `BATAL` / `HAPUS`: undo the sender's last report.
    Batal,
    /// `BANTU`, `?`, `HELP`; `FORMAT <cmd>` names one command.
    Bantu { topic: Option<CommandKind> },
    /// `STOP` / `BERHENTI`
    Stop,
    /// `MULAI`
    Mulai,
    /// `YA`: confirm the value the bot asked about.
    Ya,
    /// `TIDAK`: decline it.
    Tidak,
}

/// The keyword of a command, for `FORMAT <cmd>` and for error replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    Timbang,
    Hamil,
    Periksa,
    Lahir,
    Datang,
    Pindah,
    Meninggal,
    Imun,
    Vita,
    Cari,
    Jadwal,
    Batal,
    Bantu,
    Stop,
    Mulai,
    Ya,
    Tidak,
}

/// Why a line could not be understood. The reply names the problem and
/// shows the command's format with an example.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// No known keyword (after typo tolerance).
    UnknownCommand { word: String },
    /// A required field is missing.
    Missing {
        command: CommandKind,
        field: &'static str,
    },
    /// A field is present but cannot be read (`berat 8,5,3`).
    Invalid {
        command: CommandKind,
        field: &'static str,
        text: String,
    },
    /// A date after today.
    FutureDate {
        command: CommandKind,
        date: NaiveDate,
    },
    /// Words left over that fit nowhere.
    Unexpected { command: CommandKind, text: String },
}

/// One line of a message: what it said, and what it meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line as received (trimmed), for the reply and the audit.
    pub text: String,
    pub parsed: Result<Command, ParseError>,
}

impl Command {
    /// The keyword this command was given with.
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Timbang { .. } => CommandKind::Timbang,
            Command::Hamil { .. } => CommandKind::Hamil,
            Command::Periksa { .. } => CommandKind::Periksa,
            Command::Lahir { .. } => CommandKind::Lahir,
            Command::Datang { .. } => CommandKind::Datang,
            Command::Pindah { .. } => CommandKind::Pindah,
            Command::Meninggal { .. } => CommandKind::Meninggal,
            Command::Imun { .. } => CommandKind::Imun,
            Command::Vita { .. } => CommandKind::Vita,
            Command::Cari { .. } => CommandKind::Cari,
            Command::Jadwal => CommandKind::Jadwal,
            Command::Batal => CommandKind::Batal,
            Command::Bantu { .. } => CommandKind::Bantu,
            Command::Stop => CommandKind::Stop,
            Command::Mulai => CommandKind::Mulai,
            Command::Ya => CommandKind::Ya,
            Command::Tidak => CommandKind::Tidak,
        }
    }
}
