//! Structured logs with personal numbers masked.
//!
//! Masking happens on the formatted output, after every field and message
//! has been written, so a NIK or phone number that reaches a log line by any
//! path (a value in an error, a username that is a phone number, a URL) is
//! masked all the same. Newtypes masking their own `Debug` would miss the
//! paths nobody thought of.
use std::io::{self, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides the default level.
pub fn init(format: Option<LogFormat>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,actix_server=warn"));
    let format = format.unwrap_or_else(|| {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            LogFormat::Pretty
        } else {
            LogFormat::Json
        }
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(MaskingMakeWriter(io::stderr));
    // A second initialisation (tests) is harmless: keep the first.
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

/// Wraps a writer factory so every log line is masked before it is written.
#[derive(Clone)]
pub struct MaskingMakeWriter<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for MaskingMakeWriter<M> {
    type Writer = MaskingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        MaskingWriter {
            inner: self.0.make_writer(),
            buffer: Vec::new(),
        }
    }
}

/// Buffers one event, masks it, and writes it on drop (tracing-subscriber
/// makes one writer per event).
pub struct MaskingWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> Write for MaskingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            let text = String::from_utf8_lossy(&self.buffer);
            self.inner
                .write_all(mask_personal_numbers(&text).as_bytes())?;
            self.buffer.clear();
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for MaskingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Masks every run of 10 or more digits, which covers NIK and No. KK (16),
/// BPJS card numbers (13) and phone numbers (10–15).
///
/// - A phone number (a run starting with `62` after a `+`, `62`, or `0`)
///   keeps its first 5 digits and last 4: `+6281234567890` → `+62812****7890`.
/// - Anything else keeps its first 6 and last 4: `3201040101900001` →
///   `320104******0001`.
pub fn mask_personal_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            // Copy one whole UTF-8 character.
            let ch = text[i..].chars().next().expect("i is on a char boundary");
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let run = &text[start..i];
        // The fraction of a decimal number (a latency, a z-score) is not
        // a personal number.
        let fraction =
            start > 0 && bytes[start - 1] == b'.' && start > 1 && bytes[start - 2].is_ascii_digit();
        if run.len() < 10 || fraction || in_hex_identifier(bytes, start, i) {
            out.push_str(run);
            continue;
        }
        let after_plus = start > 0 && bytes[start - 1] == b'+';
        let looks_like_phone =
            run.len() <= 15 && (run.starts_with("62") || (!after_plus && run.starts_with('0')));
        let keep_front = if looks_like_phone { 5 } else { 6 };
        out.push_str(&run[..keep_front]);
        out.extend(std::iter::repeat_n('*', run.len() - keep_front - 4));
        out.push_str(&run[run.len() - 4..]);
    }
    out
}

/// Whether the digits at `start..end` are part of a hexadecimal identifier
/// (a request ID, a simple UUID): a run of 16 or more hex digits with a
/// letter among them. Masking inside one would break the ID that an
/// operator matches against a problem's `request_id`; no phone number or
/// NIK is written that way. (The run, not the word: a terminal's colour
/// code ends in `m` right before the ID.)
fn in_hex_identifier(bytes: &[u8], start: usize, end: usize) -> bool {
    let from = bytes[..start]
        .iter()
        .rposition(|b| !b.is_ascii_hexdigit())
        .map_or(0, |p| p + 1);
    let to = bytes[end..]
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .map_or(bytes.len(), |p| end + p);
    let run = &bytes[from..to];
    run.len() >= 16 && run.iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_nik_like_the_design_says() {
        assert_eq!(
            mask_personal_numbers("nik=3201040101900001 ok"),
            "nik=320104******0001 ok"
        );
    }

    #[test]
    fn masks_phone_numbers_in_every_form() {
        assert_eq!(mask_personal_numbers("+6281234567890"), "+62812****7890");
        assert_eq!(mask_personal_numbers("6281234567890"), "62812****7890");
        assert_eq!(
            mask_personal_numbers("from 081234567890."),
            "from 08123***7890."
        );
    }

    #[test]
    fn leaves_short_numbers_and_text_alone() {
        let text = "GET /api/v1/posyandu?limit=50 200 in 12ms — Pemaron 51.08.06.2004 ✓";
        assert_eq!(mask_personal_numbers(text), text);
    }

    #[test]
    fn leaves_decimal_fractions_alone() {
        let text = "elapsed_ms=25.4691080002 z=-2.34567890123";
        assert_eq!(mask_personal_numbers(text), text);
        // A region code with dots is not a decimal number.
        assert_eq!(mask_personal_numbers("51.08.06.2004"), "51.08.06.2004");
    }

    #[test]
    fn masks_inside_json_and_after_letters() {
        assert_eq!(
            mask_personal_numbers(r#"{"username":"kader081234567890"}"#),
            r#"{"username":"kader08123***7890"}"#
        );
    }

    #[test]
    fn leaves_request_ids_whole() {
        let text = r#""request_id":"5782881b8723419036a13d7974e1b2aa""#;
        assert_eq!(mask_personal_numbers(text), text);
        let coloured = "\u{1b}[2m=\u{1b}[0m8532bf690c1d4394822147cf69c34a";
        assert_eq!(mask_personal_numbers(coloured), coloured);
        // A number beside a word that is not hex is still masked.
        assert_eq!(
            mask_personal_numbers("nik5108015203950001x"),
            "nik510801******0001x"
        );
    }

    #[test]
    fn writer_masks_what_passes_through() {
        let mut sink = Vec::new();
        {
            let mut writer = MaskingWriter {
                inner: &mut sink,
                buffer: Vec::new(),
            };
            write!(writer, "phone +62812").unwrap();
            writeln!(writer, "34567890 logged").unwrap();
        }
        assert_eq!(
            String::from_utf8(sink).unwrap(),
            "phone +62812****7890 logged\n"
        );
    }
}
