//! The Indonesian texts of help and error replies. They are written for an
//! SMS: GSM-7 characters only, the essential part within the first 160.
use super::command::{CommandKind, ParseError};
use super::grammar;

/// Every command, in the order the help lists them.
pub const COMMANDS: [CommandKind; 17] = [
    CommandKind::Timbang,
    CommandKind::Hamil,
    CommandKind::Periksa,
    CommandKind::Lahir,
    CommandKind::Datang,
    CommandKind::Pindah,
    CommandKind::Meninggal,
    CommandKind::Imun,
    CommandKind::Vita,
    CommandKind::Cari,
    CommandKind::Jadwal,
    CommandKind::Batal,
    CommandKind::Bantu,
    CommandKind::Stop,
    CommandKind::Mulai,
    CommandKind::Ya,
    CommandKind::Tidak,
];

/// The keyword a kader types.
pub fn command_name(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Timbang => "TIMBANG",
        CommandKind::Hamil => "HAMIL",
        CommandKind::Periksa => "PERIKSA",
        CommandKind::Lahir => "LAHIR",
        CommandKind::Datang => "DATANG",
        CommandKind::Pindah => "PINDAH",
        CommandKind::Meninggal => "MENINGGAL",
        CommandKind::Imun => "IMUN",
        CommandKind::Vita => "VITA",
        CommandKind::Cari => "CARI",
        CommandKind::Jadwal => "JADWAL",
        CommandKind::Batal => "BATAL",
        CommandKind::Bantu => "BANTU",
        CommandKind::Stop => "STOP",
        CommandKind::Mulai => "MULAI",
        CommandKind::Ya => "YA",
        CommandKind::Tidak => "TIDAK",
    }
}

/// The command list. The first line alone (under 160 characters) tells
/// what can be sent and how to get an example.
pub fn help_text() -> String {
    let mut text = String::from(
        "Perintah: TIMBANG, HAMIL, PERIKSA, LAHIR, DATANG, PINDAH, MENINGGAL, IMUN, VITA, \
         CARI, JADWAL, BATAL, STOP, MULAI. Contoh: kirim FORMAT TIMBANG",
    );
    for kind in COMMANDS.into_iter().take(12) {
        text.push('\n');
        text.push_str(usage(kind));
    }
    text
}

/// How one command is written, with one example.
pub fn format_of(kind: CommandKind) -> String {
    format!("Format: {}. Contoh: {}", usage(kind), example(kind))
}

fn usage(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Timbang => {
            "TIMBANG <nama/kode anak> <berat kg> [panjang cm] [LILA x] [LK x] [tgl]"
        }
        CommandKind::Hamil => "HAMIL <nama ibu> <HPHT> [NIK] [HP 08..]",
        CommandKind::Periksa => {
            "PERIKSA <ibu> [K1-K6] [BB x] [LILA x] [HB x] [TD x/y] [TTD n] [tgl]"
        }
        CommandKind::Lahir => "LAHIR <ibu>, <nama bayi> <L/P> <tgl lahir> <berat lahir> [panjang]",
        CommandKind::Datang => "DATANG <nama> <L/P> <tgl lahir> [NIK] [dari asal] [HP]",
        CommandKind::Pindah => "PINDAH <nama/kode> [tgl] [ke tujuan]",
        CommandKind::Meninggal => "MENINGGAL <nama/kode> [tgl]",
        CommandKind::Imun => "IMUN <nama/kode anak> <vaksin..> [tgl]",
        CommandKind::Vita => "VITA <nama/kode anak> [biru/merah] [tgl]",
        CommandKind::Cari => "CARI <nama>",
        CommandKind::Jadwal => "JADWAL (hari posyandu berikutnya)",
        CommandKind::Batal => "BATAL (hapus laporan terakhir Anda, maks 24 jam)",
        CommandKind::Bantu => "BANTU atau FORMAT <perintah>",
        CommandKind::Stop => "STOP (berhenti terima pengingat)",
        CommandKind::Mulai => "MULAI (terima pengingat lagi)",
        CommandKind::Ya => "YA (setuju dengan nilai yang ditanyakan)",
        CommandKind::Tidak => "TIDAK (tolak nilai yang ditanyakan)",
    }
}

fn example(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Timbang => "TIMBANG 48213 8,5 72",
        CommandKind::Hamil => "HAMIL Sari 10-02-2026 HP 081234567890",
        CommandKind::Periksa => "PERIKSA Sari K2 BB 55 TD 110/70",
        CommandKind::Lahir => "LAHIR Sari, Budi L 20-11-2026 3200 49",
        CommandKind::Datang => "DATANG Rina P 03-04-2025 dari Bandung",
        CommandKind::Pindah => "PINDAH 48213 10-11-2026 ke Bandung",
        CommandKind::Meninggal => "MENINGGAL 48213 kemarin",
        CommandKind::Imun => "IMUN 48213 DPT2 polio3",
        CommandKind::Vita => "VITA 48213 merah",
        CommandKind::Cari => "CARI Putu Ayu",
        CommandKind::Jadwal => "JADWAL",
        CommandKind::Batal => "BATAL",
        CommandKind::Bantu => "FORMAT TIMBANG",
        CommandKind::Stop => "STOP",
        CommandKind::Mulai => "MULAI",
        CommandKind::Ya => "YA",
        CommandKind::Tidak => "TIDAK",
    }
}

/// What is wrong with a line, then the format with an example.
pub fn explain(error: &ParseError) -> String {
    match error {
        ParseError::UnknownCommand { word } => format!(
            "Perintah \"{}\" tidak dikenal. Perintah: TIMBANG, HAMIL, PERIKSA, LAHIR, DATANG, \
             PINDAH, MENINGGAL, IMUN, VITA, CARI. Kirim BANTU",
            shorten(word)
        ),
        ParseError::Missing { command, field } => {
            format!("{} belum ada. {}", capitalised(field), format_of(*command))
        }
        ParseError::Invalid {
            command,
            field,
            text,
        } => format!(
            "{} \"{}\" {}. {}",
            capitalised(field),
            shorten(text),
            // A vaccine name is either known or not; a number can be misread.
            if *field == grammar::field::VAKSIN {
                "tidak dikenal"
            } else {
                "tidak bisa dibaca"
            },
            format_of(*command)
        ),
        ParseError::FutureDate { command, date } => format!(
            "Tanggal {} belum lewat. {}",
            date.format("%d-%m-%Y"),
            format_of(*command)
        ),
        ParseError::Unexpected { command, text } => {
            format!(
                "\"{}\" tidak dimengerti. {}",
                shorten(text),
                format_of(*command)
            )
        }
    }
}

/// A field name at the start of a sentence.
fn capitalised(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Text echoed back from the sender, cut so that the format still fits.
fn shorten(text: &str) -> String {
    const MAX: usize = 20;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}..", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::chat::grammar::field;
    use crate::chat::sms::gsm7_septets;

    fn septets(text: &str) -> usize {
        gsm7_septets(text).unwrap_or_else(|| panic!("not GSM-7: {text}"))
    }

    #[test]
    fn the_first_segment_of_the_help_is_useful() {
        let help = help_text();
        let first = crate::chat::sms::first_segment(&help);
        for kind in COMMANDS.into_iter().take(12) {
            assert!(
                first.contains(command_name(kind)),
                "{kind:?} missing from {first}"
            );
        }
        assert!(first.contains("FORMAT"));
        assert!(help.contains("TIMBANG <nama/kode anak>"));
    }

    #[test]
    fn formats_have_examples_and_fit_an_sms() {
        for kind in COMMANDS {
            let text = format_of(kind);
            assert!(text.starts_with("Format: "), "{text}");
            assert!(text.contains("Contoh: "), "{text}");
            assert!(septets(&text) <= 130, "{} septets: {text}", septets(&text));
        }
        assert_eq!(
            format_of(CommandKind::Timbang),
            "Format: TIMBANG <nama/kode anak> <berat kg> [panjang cm] [LILA x] [LK x] [tgl]. \
             Contoh: TIMBANG 48213 8,5 72"
        );
    }

    #[test]
    fn every_example_parses_to_its_own_command() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for kind in COMMANDS {
            let lines = crate::chat::parse(example(kind), today);
            let parsed = lines[0]
                .parsed
                .as_ref()
                .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            assert_eq!(parsed.kind(), kind, "{}", example(kind));
        }
    }

    #[test]
    fn explanations_name_the_problem_then_the_format() {
        let missing = ParseError::Missing {
            command: CommandKind::Timbang,
            field: field::BERAT,
        };
        assert!(explain(&missing).starts_with("Berat belum ada. Format: TIMBANG"));
        let invalid = ParseError::Invalid {
            command: CommandKind::Timbang,
            field: field::BERAT,
            text: "8,5,3".into(),
        };
        assert!(explain(&invalid).starts_with("Berat \"8,5,3\" tidak bisa dibaca. Format:"));
        let future = ParseError::FutureDate {
            command: CommandKind::Imun,
            date: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        };
        assert!(explain(&future).starts_with("Tanggal 10-12-2026 belum lewat. Format: IMUN"));
        let vaccine = ParseError::Invalid {
            command: CommandKind::Imun,
            field: field::VAKSIN,
            text: "XYZ".into(),
        };
        assert!(explain(&vaccine).starts_with("Vaksin \"XYZ\" tidak dikenal. Format: IMUN"));
        let unknown = ParseError::UnknownCommand {
            word: "TIMBANGAN".into(),
        };
        assert!(explain(&unknown).starts_with("Perintah \"TIMBANGAN\" tidak dikenal."));
    }

    #[test]
    fn the_problem_is_always_in_the_first_segment() {
        let long = "x".repeat(300);
        let mut errors = vec![ParseError::UnknownCommand { word: long.clone() }];
        for command in COMMANDS {
            errors.push(ParseError::Missing {
                command,
                field: field::JENIS_KELAMIN,
            });
            errors.push(ParseError::Invalid {
                command,
                field: field::BERAT_LAHIR,
                text: long.clone(),
            });
            errors.push(ParseError::Unexpected {
                command,
                text: long.clone(),
            });
        }
        for error in errors {
            let text = explain(&error);
            let problem = text.split(" Format:").next().unwrap();
            assert!(
                crate::chat::sms::first_segment(&text).starts_with(problem),
                "{text}"
            );
            assert!(
                septets(&text) <= 2 * 153,
                "{} septets: {text}",
                septets(&text)
            );
        }
    }

    #[test]
    fn a_missing_weight_fits_one_sms() {
        let missing = ParseError::Missing {
            command: CommandKind::Timbang,
            field: field::BERAT,
        };
        assert!(septets(&explain(&missing)) <= 160);
    }
}
