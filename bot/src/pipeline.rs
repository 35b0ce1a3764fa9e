//! Processing one claimed message: who sent it, what each line says, acting
//! on it through the API for the sender, and the reply.
//!
//! Every write carries an `Idempotency-Key` built from the message id, its
//! revision and the line (`msg:<id>:<rev>:<line>[:<step>]`): when a worker
//! dies half-way and another takes the message over, the lines already done
//! are answered from the API's record instead of being done twice.
use chrono::{Duration, NaiveDate, Utc};
use openapi::Page;
use openapi::areas::PosyanduSchedule;
use openapi::growth::{NewWeighing, Sex, Weighing};
use openapi::maternal::{
    AncProvider, AntenatalContact, Birth, Capsule, DoseStateKind, Immunisation, ImmunisationStatus,
    NewAntenatalContact, NewBirth, NewImmunisation, NewNewcomer, NewPregnancy, NewVitaminADose,
    Newcomer, Pregnancy, VitaminADose,
};
use openapi::messages::{
    ClaimedMessage, InboundStatus, LineOutcome, MessageOutcome, NewPending, RecordRef, SenderKind,
};
use openapi::registry::{
    Child, NewChild, NewPerson, NewPersonEvent, Person, PersonPatch, PersonStatus,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chat::{self, BirthParties, Command, CommandKind, Line, PersonRef, VaccineDose};
use crate::client::{Acting, Answer, ApiClient, ClientError};
use crate::plausibility::{self, Doubt, Verdict};
use crate::replies;

/// What the pipeline needs besides the API.
#[derive(Debug, Clone, Default)]
pub struct PipelineSettings {
    /// The channels' own numbers (E.164): never answered, so that two bots
    /// cannot talk to each other forever.
    pub own_numbers: Vec<String>,
    /// Numbers never answered (carrier short codes, other bots).
    pub deny: Vec<String>,
}

/// What to do with a processed message.
#[derive(Debug)]
pub enum Settlement {
    Settle(Box<MessageOutcome>),
    /// The API or the network failed: try the whole message again later
    /// (the lines already done are replayed, not repeated).
    Release {
        error: String,
    },
}

/// What a line led to.
enum Done {
    /// Recorded (or recorded before: `summary` says "sudah tercatat").
    Saved {
        summary: String,
        records: Vec<RecordRef>,
    },
    /// Not recorded: why, and how to do it right.
    Refused(String),
    /// An answer that records nothing (CARI, JADWAL, BANTU, STOP …).
    Answered(String),
    /// A doubtful value: asked, waiting for YA.
    Asked {
        question: String,
        action: PendingAction,
    },
}

/// What a YA will do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum PendingAction {
    Weighing {
        child_id: Uuid,
        name: String,
        code: String,
        birth_date: NaiveDate,
        body: NewWeighing,
    },
}

/// A temporary failure: the message goes back to be tried again.
struct Retry(String);

impl From<ClientError> for Retry {
    fn from(e: ClientError) -> Retry {
        Retry(e.to_string())
    }
}

type Step<T> = Result<T, Retry>;

/// Splits an API error into a refusal for the sender (the data is wrong)
/// and a retry (the API is not well).
fn refusal(command: CommandKind, error: ClientError) -> Step<Done> {
    if error.is_temporary() {
        return Err(Retry(error.to_string()));
    }
    match error.problem() {
        Some(problem) => Ok(Done::Refused(replies::explain_problem(command, problem))),
        None => Ok(Done::Refused("Belum bisa dicatat.".into())),
    }
}

/// Handles one claimed message.
pub async fn process(
    api: &ApiClient,
    settings: &PipelineSettings,
    worker: &str,
    claimed: &ClaimedMessage,
) -> Settlement {
    let message = &claimed.message;
    let sender = &claimed.sender;
    let outcome = |status, reply: Option<String>| MessageOutcome {
        worker: worker.to_owned(),
        status,
        lines: Vec::new(),
        reply,
        reply_kind: None,
        pending: None,
        resolves: None,
        undoes: None,
        error: None,
    };
    // Loop protection: our own numbers and denied ones get nothing.
    if settings.own_numbers.iter().any(|n| n == &message.from)
        || settings.deny.iter().any(|n| n == &message.from)
    {
        return Settlement::Settle(Box::new(outcome(InboundStatus::Ignored, None)));
    }
    if sender.kind == SenderKind::Unknown {
        if claimed.notice_sent_recently {
            return Settlement::Settle(Box::new(outcome(InboundStatus::Ignored, None)));
        }
        let mut settled = outcome(
            InboundStatus::Processed,
            Some(replies::UNKNOWN_NUMBER.into()),
        );
        settled.reply_kind = Some("notice".into());
        return Settlement::Settle(Box::new(settled));
    }
    let Some(text) = message
        .text
        .as_deref()
        .filter(|t| !t.trim().is_empty() && message.kind == "text")
    else {
        return Settlement::Settle(Box::new(outcome(
            InboundStatus::Processed,
            Some(replies::TEXT_ONLY.into()),
        )));
    };
    let today = local_today(claimed);
    let lines = chat::parse(text, today);
    let mut run = Run {
        api,
        claimed,
        today,
        pending: None,
        resolves: None,
        undoes: None,
    };
    let mut outcomes = Vec::with_capacity(lines.len());
    let mut texts = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let number = index as u32 + 1;
        let done = match run.line(number, line).await {
            Ok(done) => done,
            Err(Retry(error)) => return Settlement::Release { error },
        };
        let command = line.parsed.as_ref().ok().map(Command::kind);
        let (ok, summary, records) = match done {
            Done::Saved { summary, records } => (true, summary, records),
            Done::Answered(text) => (true, text, Vec::new()),
            Done::Refused(why) => (false, format!("\u{2717} {why}"), Vec::new()),
            Done::Asked { question, action } => {
                if run.pending.is_none() {
                    run.pending = Some(NewPending {
                        action: serde_json::to_value(&action).expect("actions serialise"),
                        question: question.clone(),
                        minutes: Some(60),
                    });
                    (false, question, Vec::new())
                } else {
                    (
                        false,
                        format!("\u{2717} {question} Kirim ulang baris ini."),
                        Vec::new(),
                    )
                }
            }
        };
        texts.push(summary.clone());
        outcomes.push(LineOutcome {
            line: number,
            text: line.text.clone(),
            ok,
            command: command.map(|k| chat::help::command_name(k).to_ascii_lowercase()),
            summary,
            records,
        });
    }
    if outcomes.is_empty() {
        texts.push(chat::help::help_text());
    }
    let status = if run.pending.is_some() {
        InboundStatus::NeedsConfirmation
    } else {
        InboundStatus::Processed
    };
    Settlement::Settle(Box::new(MessageOutcome {
        worker: worker.to_owned(),
        status,
        lines: outcomes,
        reply: Some(replies::combine(&texts)),
        reply_kind: None,
        pending: run.pending,
        resolves: run.resolves,
        undoes: run.undoes,
        error: None,
    }))
}

/// Today where the sender's posyandu is (WITA when it is not known).
fn local_today(claimed: &ClaimedMessage) -> NaiveDate {
    let hours = match claimed
        .sender
        .posyandu
        .as_ref()
        .map(|p| p.time_zone.as_str())
    {
        Some("Asia/Jakarta" | "Asia/Pontianak") => 7,
        Some("Asia/Jayapura") => 9,
        _ => 8,
    };
    (Utc::now() + Duration::hours(hours)).date_naive()
}

/// Several people match a name: list them with their codes.
fn candidates(what: &str, people: &[&Person]) -> String {
    let list: Vec<String> = people
        .iter()
        .take(5)
        .map(|p| {
            format!(
                "{} (kode {}, lahir {})",
                p.name,
                p.code,
                replies::date(p.birth_date)
            )
        })
        .collect();
    format!(
        "Ada {} {what} dengan nama itu: {}. Kirim ulang dengan kode.",
        people.len(),
        list.join("; ")
    )
}

fn not_found(what: &str, who: &PersonRef) -> String {
    let name = match who {
        PersonRef::Code(code) => format!("kode {code}"),
        PersonRef::Nik(_) => "NIK itu".into(),
        PersonRef::Name { name, .. } => format!("\"{name}\""),
    };
    format!("{what} {name} tidak ditemukan di posyandu Anda. Cari kodenya: CARI <nama>")
}

enum Found<T> {
    One(T),
    Refused(String),
}

/// One message being worked through.
struct Run<'a> {
    api: &'a ApiClient,
    claimed: &'a ClaimedMessage,
    today: NaiveDate,
    pending: Option<NewPending>,
    resolves: Option<Uuid>,
    undoes: Option<Uuid>,
}

impl Run<'_> {
    fn phone(&self) -> &str {
        &self.claimed.sender.phone
    }

    fn key(&self, line: u32, step: &str) -> String {
        let m = &self.claimed.message;
        if step.is_empty() {
            format!("msg:{}:{}:{line}", m.id, m.revision)
        } else {
            format!("msg:{}:{}:{line}:{step}", m.id, m.revision)
        }
    }

    fn posyandu_id(&self) -> Option<Uuid> {
        self.claimed.sender.posyandu.as_ref().map(|p| p.id)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.api
            .call::<(), T>(Acting::For(self.phone()), Method::GET, path, None, None)
            .await
            .map(|a| a.body)
    }

    async fn post<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        key: &str,
    ) -> Result<Answer<T>, ClientError> {
        self.api
            .call(
                Acting::For(self.phone()),
                Method::POST,
                path,
                Some(body),
                Some(key),
            )
            .await
    }

    async fn line(&mut self, number: u32, line: &Line) -> Step<Done> {
        let command = match &line.parsed {
            Ok(command) => command,
            Err(error) => return Ok(Done::Refused(chat::help::explain(error))),
        };
        if self.claimed.sender.kind == SenderKind::Mother
            && !matches!(
                command,
                Command::Stop
                    | Command::Mulai
                    | Command::Jadwal
                    | Command::Bantu { .. }
                    | Command::Ya
                    | Command::Tidak
            )
        {
            return Ok(Done::Refused(replies::MOTHER_COMMANDS.into()));
        }
        match command {
            Command::Timbang {
                child,
                weight_kg,
                length_cm,
                position,
                muac_cm,
                head_cm,
                date,
            } => {
                let body = NewWeighing {
                    measured_on: Some(date.unwrap_or(self.today)),
                    weight_kg: *weight_kg,
                    length_cm: *length_cm,
                    position: *position,
                    head_cm: *head_cm,
                    muac_cm: *muac_cm,
                    oedema: false,
                    measured_by: self.claimed.sender.name.clone(),
                    posyandu_id: None,
                };
                self.timbang(child, body).await
            }
            Command::Hamil {
                mother,
                hpht,
                nik,
                phone,
            } => {
                self.hamil(number, mother, *hpht, nik.as_deref(), phone.as_deref())
                    .await
            }
            Command::Periksa {
                mother,
                visit: _,
                weight_kg,
                muac_cm,
                hb,
                blood_pressure,
                iron_tablets,
                date,
            } => {
                let body = NewAntenatalContact {
                    date: date.unwrap_or(self.today),
                    provider: AncProvider::Bidan,
                    place: None,
                    weight_kg: *weight_kg,
                    lila_cm: *muac_cm,
                    hb_g_dl: *hb,
                    systolic: blood_pressure.map(|(s, _)| s as i32),
                    diastolic: blood_pressure.map(|(_, d)| d as i32),
                    iron_tablets: iron_tablets.map(i32::from).unwrap_or(0),
                    td_given: false,
                    notes: None,
                };
                self.periksa(number, mother, body).await
            }
            Command::Lahir {
                parties,
                sex,
                birth_date,
                weight_g,
                length_cm,
            } => {
                self.lahir(number, parties, *sex, *birth_date, *weight_g, *length_cm)
                    .await
            }
            Command::Datang {
                name,
                sex,
                birth_date,
                nik,
                origin,
                phone,
            } => {
                self.datang(
                    number,
                    name,
                    *sex,
                    *birth_date,
                    nik.clone(),
                    origin.clone(),
                    phone.clone(),
                )
                .await
            }
            Command::Pindah {
                person,
                date,
                destination,
            } => {
                self.event(number, person, "moved", *date, destination.clone())
                    .await
            }
            Command::Meninggal { person, date } => {
                self.event(number, person, "deceased", *date, None).await
            }
            Command::Imun {
                child,
                vaccines,
                date,
            } => {
                self.imun(number, child, vaccines, date.unwrap_or(self.today))
                    .await
            }
            Command::Vita {
                child,
                capsule,
                date,
            } => {
                self.vita(number, child, *capsule, date.unwrap_or(self.today))
                    .await
            }
            Command::Cari { query } => self.cari(query).await,
            Command::Jadwal => self.jadwal().await,
            Command::Batal => self.batal(number).await,
            Command::Bantu { topic } => Ok(Done::Answered(match topic {
                Some(kind) => chat::help::format_of(*kind),
                None => chat::help::help_text(),
            })),
            Command::Stop => self.preference(true).await,
            Command::Mulai => self.preference(false).await,
            Command::Ya => self.confirm().await,
            Command::Tidak => match &self.claimed.pending {
                Some(pending) => {
                    self.resolves = Some(pending.message_id);
                    Ok(Done::Answered(
                        "Baik, tidak dicatat. Kirim ulang dengan nilai yang benar.".into(),
                    ))
                }
                None => Ok(Done::Answered(replies::NOTHING_TO_CONFIRM.into())),
            },
        }
    }

    // ------------------------------------------------------------ lookups

    async fn find_child(&self, who: &PersonRef) -> Step<Found<Child>> {
        let query = match who {
            PersonRef::Code(code) => vec![("code", code.clone())],
            PersonRef::Nik(nik) => vec![("nik", nik.clone())],
            PersonRef::Name { name, .. } => vec![("name", name.clone())],
        };
        let mut query = query;
        if let Some(id) = self.posyandu_id() {
            query.push(("posyandu_id", id.to_string()));
        }
        query.push(("limit", "20".into()));
        let path = format!(
            "/api/v1/children?{}",
            serde_urlencoded::to_string(&query).expect("query pairs encode")
        );
        let page: Page<Child> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(_) => return Ok(Found::Refused(not_found("Anak", who))),
        };
        let mut children = page.items;
        if let PersonRef::Name { name, mother } = who {
            children = best_name_matches(children, name, |c| &c.person.name);
            if children.len() > 1
                && let Some(mother) = mother
            {
                let wanted = chat::normalise::fold_name(mother);
                let mut kept = Vec::new();
                for child in children {
                    let Some(id) = child.mother_id else { continue };
                    let person: Person = self.get(&format!("/api/v1/people/{id}")).await?;
                    if chat::normalise::fold_name(&person.name).contains(&wanted) {
                        kept.push(child);
                    }
                }
                children = kept;
            }
        }
        Ok(match children.len() {
            0 => Found::Refused(not_found("Anak", who)),
            1 => Found::One(children.remove(0)),
            _ => {
                let people: Vec<&Person> = children.iter().map(|c| &c.person).collect();
                Found::Refused(candidates("anak", &people))
            }
        })
    }

    async fn find_person(&self, who: &PersonRef, women_only: bool) -> Step<Found<Person>> {
        let mut query = match who {
            PersonRef::Code(code) => vec![("code", code.clone())],
            PersonRef::Nik(nik) => vec![("nik", nik.clone())],
            PersonRef::Name { name, .. } => vec![("name", name.clone())],
        };
        if let Some(id) = self.posyandu_id() {
            query.push(("posyandu_id", id.to_string()));
        }
        query.push(("limit", "20".into()));
        let path = format!(
            "/api/v1/people?{}",
            serde_urlencoded::to_string(&query).expect("query pairs encode")
        );
        let page: Page<Person> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(_) => return Ok(Found::Refused(not_found("Nama", who))),
        };
        let mut people: Vec<Person> = page
            .items
            .into_iter()
            .filter(|p| !women_only || p.sex == Sex::P)
            .collect();
        if let PersonRef::Name { name, .. } = who {
            people = best_name_matches(people, name, |p| &p.name);
        }
        Ok(match people.len() {
            0 => Found::Refused(not_found(if women_only { "Ibu" } else { "Nama" }, who)),
            1 => Found::One(people.remove(0)),
            _ => {
                let refs: Vec<&Person> = people.iter().collect();
                Found::Refused(candidates("orang", &refs))
            }
        })
    }

    /// The ongoing pregnancy of the woman named.
    async fn find_pregnancy(&self, who: &PersonRef) -> Step<Found<Pregnancy>> {
        let mut query = vec![("status", "ongoing".to_owned()), ("limit", "200".into())];
        if let Some(id) = self.posyandu_id() {
            query.push(("posyandu_id", id.to_string()));
        }
        let mother_id = match who {
            PersonRef::Name { .. } => None,
            _ => match self.find_person(who, true).await? {
                Found::One(p) => Some(p.id),
                Found::Refused(why) => return Ok(Found::Refused(why)),
            },
        };
        if let Some(id) = mother_id {
            query.push(("mother_id", id.to_string()));
        }
        let path = format!(
            "/api/v1/pregnancies?{}",
            serde_urlencoded::to_string(&query).expect("query pairs encode")
        );
        let page: Page<Pregnancy> = self.get(&path).await?;
        let mut found = page.items;
        if let PersonRef::Name { name, .. } = who {
            found = best_name_matches(found, name, |p| &p.mother_name);
        }
        Ok(match found.len() {
            0 => Found::Refused(format!(
                "{} Daftarkan dulu: HAMIL <nama ibu> <HPHT>",
                not_found("Ibu hamil", who)
            )),
            1 => Found::One(found.remove(0)),
            n => Found::Refused(format!(
                "Ada {n} ibu hamil dengan nama itu. Kirim ulang dengan kode ibu (CARI <nama>)."
            )),
        })
    }

    // ----------------------------------------------------------- commands

    async fn timbang(&self, who: &PersonRef, body: NewWeighing) -> Step<Done> {
        let child = match self.find_child(who).await? {
            Found::One(c) => c,
            Found::Refused(why) => return Ok(Done::Refused(why)),
        };
        let on = body.measured_on.unwrap_or(self.today);
        let age_days = (on - child.person.birth_date).num_days();
        // Unsaid, the position is the usual one: lying under two years
        // (panjang badan), standing from two (tinggi badan).
        let mut body = body;
        if body.length_cm.is_some() && body.position.is_none() {
            body.position = Some(if age_days < 731 {
                openapi::growth::Position::Lying
            } else {
                openapi::growth::Position::Standing
            });
        }
        let previous = child.latest.as_ref().map(|l| plausibility::Previous {
            on: l.measured_on,
            weight_kg: l.weight_kg,
            length_cm: l.length_cm,
        });
        if let Verdict::Implausible { what, suggestion } = plausibility::check(
            age_days,
            on,
            body.weight_kg,
            body.length_cm,
            previous.as_ref(),
        ) {
            let age = replies::age(child.person.birth_date, on);
            let (label, value, unit) = match what {
                Doubt::Weight => ("Berat", body.weight_kg, "kg"),
                Doubt::Length => ("Panjang/tinggi", body.length_cm.unwrap_or_default(), "cm"),
            };
            let mut question = format!(
                "{label} {} {unit} tidak wajar untuk {} (umur {age}).",
                replies::amount(value),
                child.person.name
            );
            let Some(suggested) = suggestion else {
                question.push_str(" Periksa lagi dan kirim ulang.");
                return Ok(Done::Refused(question));
            };
            question.push_str(&format!(
                " Maksud {} {unit}? Balas YA atau kirim ulang.",
                replies::decimal(suggested, 1)
            ));
            let mut corrected = body;
            match what {
                Doubt::Weight => corrected.weight_kg = suggested,
                Doubt::Length => corrected.length_cm = Some(suggested),
            }
            return Ok(Done::Asked {
                question,
                action: PendingAction::Weighing {
                    child_id: child.id,
                    name: child.person.name.clone(),
                    code: child.person.code.clone(),
                    birth_date: child.person.birth_date,
                    body: corrected,
                },
            });
        }
        self.save_weighing(
            child.id,
            &child.person.name,
            &child.person.code,
            child.person.birth_date,
            &body,
        )
        .await
    }

    /// Saves a weighing. No idempotency key: a weighing is idempotent by
    /// itself (the same child, day and values answer 200 with the stored
    /// one), which spares the API two writes on the busiest path.
    async fn save_weighing(
        &self,
        child_id: Uuid,
        name: &str,
        code: &str,
        birth: NaiveDate,
        body: &NewWeighing,
    ) -> Step<Done> {
        let path = format!("/api/v1/children/{child_id}/weighings");
        let answer = self
            .api
            .call::<_, Weighing>(
                Acting::For(self.phone()),
                Method::POST,
                &path,
                Some(body),
                None,
            )
            .await;
        match answer {
            Ok(answer) => Ok(Done::Saved {
                summary: replies::weighing_saved(
                    name,
                    code,
                    birth,
                    &answer.body,
                    answer.status == 200,
                ),
                records: if answer.status == 201 {
                    vec![RecordRef {
                        kind: "weighing".into(),
                        id: answer.body.id,
                    }]
                } else {
                    Vec::new()
                },
            }),
            Err(e) => refusal(CommandKind::Timbang, e),
        }
    }

    async fn confirm(&mut self) -> Step<Done> {
        let Some(pending) = self.claimed.pending.clone() else {
            return Ok(Done::Answered(replies::NOTHING_TO_CONFIRM.into()));
        };
        self.resolves = Some(pending.message_id);
        let action: PendingAction = match serde_json::from_value(pending.action.clone()) {
            Ok(action) => action,
            Err(_) => return Ok(Done::Refused("Pertanyaan itu sudah tidak berlaku.".into())),
        };
        match action {
            PendingAction::Weighing {
                child_id,
                name,
                code,
                birth_date,
                body,
            } => {
                self.save_weighing(child_id, &name, &code, birth_date, &body)
                    .await
            }
        }
    }

    async fn hamil(
        &self,
        number: u32,
        mother: &PersonRef,
        hpht: NaiveDate,
        nik: Option<&str>,
        phone: Option<&str>,
    ) -> Step<Done> {
        let by_nik = nik.map(|n| PersonRef::Nik(n.to_owned()));
        let found = match self
            .find_person(by_nik.as_ref().unwrap_or(mother), true)
            .await?
        {
            Found::One(p) => Some(p),
            Found::Refused(why) if why.starts_with("Ada ") => return Ok(Done::Refused(why)),
            Found::Refused(_) => None,
        };
        let woman = match found {
            Some(p) => {
                if let Some(phone) = phone
                    && p.phone.is_none()
                {
                    let patch = PersonPatch {
                        phone: Some(Some(phone.to_owned())),
                        ..PersonPatch::default()
                    };
                    let _ = self
                        .api
                        .call::<_, Person>(
                            Acting::For(self.phone()),
                            Method::PATCH,
                            &format!("/api/v1/people/{}", p.id),
                            Some(&patch),
                            None,
                        )
                        .await;
                }
                p
            }
            None => {
                let name = match mother {
                    PersonRef::Name { name, .. } => name.clone(),
                    _ => {
                        return Ok(Done::Refused(not_found("Ibu", mother)));
                    }
                };
                let Some(birth_date) = nik.and_then(birth_date_of_nik) else {
                    return Ok(Done::Refused(format!(
                        "Ibu {name} belum terdaftar. Kirim juga NIK-nya, contoh: HAMIL {name} {} NIK 5108046503950001",
                        replies::date(hpht)
                    )));
                };
                let new = NewPerson {
                    nik: nik.map(str::to_owned),
                    name,
                    sex: Sex::P,
                    birth_date,
                    phone: phone.map(str::to_owned),
                    family_id: None,
                    bpjs_segment: None,
                    bpjs_number: None,
                    desa_code: None,
                    posyandu_id: self.posyandu_id(),
                };
                match self
                    .post::<_, Person>("/api/v1/people", &new, &self.key(number, "person"))
                    .await
                {
                    Ok(answer) => answer.body,
                    Err(e) => return refusal(CommandKind::Hamil, e),
                }
            }
        };
        let body = NewPregnancy {
            mother_id: woman.id,
            posyandu_id: None,
            hpht: Some(hpht),
            gestational_age_weeks: None,
            gestational_age_days: None,
            registered_on: Some(self.today),
            gravida: None,
            para: None,
            abortus: None,
            living_children: None,
            last_birth_date: None,
            height_cm: None,
        };
        match self
            .post::<_, Pregnancy>("/api/v1/pregnancies", &body, &self.key(number, ""))
            .await
        {
            Ok(answer) => Ok(Done::Saved {
                summary: replies::pregnancy_saved(&answer.body, &woman.code, false),
                records: vec![RecordRef {
                    kind: "pregnancy".into(),
                    id: answer.body.id,
                }],
            }),
            Err(e) if e.is_conflict() => {
                // Already pregnant: the same report again is "sudah tercatat".
                let path = format!("/api/v1/pregnancies?mother_id={}&status=ongoing", woman.id);
                let page: Page<Pregnancy> = self.get(&path).await?;
                match page.items.first() {
                    Some(p) if p.hpht == hpht => Ok(Done::Saved {
                        summary: replies::pregnancy_saved(p, &woman.code, true),
                        records: Vec::new(),
                    }),
                    _ => Ok(Done::Refused(format!(
                        "Ibu {} sudah tercatat hamil dengan HPHT lain. Hubungi bidan untuk koreksi.",
                        woman.name
                    ))),
                }
            }
            Err(e) => refusal(CommandKind::Hamil, e),
        }
    }

    async fn periksa(
        &self,
        number: u32,
        mother: &PersonRef,
        body: NewAntenatalContact,
    ) -> Step<Done> {
        let pregnancy = match self.find_pregnancy(mother).await? {
            Found::One(p) => p,
            Found::Refused(why) => return Ok(Done::Refused(why)),
        };
        let path = format!("/api/v1/pregnancies/{}/contacts", pregnancy.id);
        match self
            .post::<_, AntenatalContact>(&path, &body, &self.key(number, ""))
            .await
        {
            Ok(answer) => {
                let after: Pregnancy = self
                    .get(&format!("/api/v1/pregnancies/{}", pregnancy.id))
                    .await?;
                Ok(Done::Saved {
                    summary: replies::contact_saved(
                        &pregnancy.mother_name,
                        &answer.body,
                        after.anc.next_due,
                        answer.status == 200,
                    ),
                    records: if answer.status == 201 {
                        vec![RecordRef {
                            kind: "antenatal_contact".into(),
                            id: answer.body.id,
                        }]
                    } else {
                        Vec::new()
                    },
                })
            }
            Err(e) => refusal(CommandKind::Periksa, e),
        }
    }

    async fn lahir(
        &self,
        number: u32,
        parties: &BirthParties,
        sex: Sex,
        birth_date: NaiveDate,
        weight_g: u32,
        length_cm: Option<f64>,
    ) -> Step<Done> {
        let found = match parties {
            BirthParties::Split { mother, baby_name } => match self.find_pregnancy(mother).await? {
                Found::One(p) => Found::One((p, baby_name.clone())),
                Found::Refused(why) => Found::Refused(why),
            },
            BirthParties::Unsplit(words) => self.split_parties(words).await?,
        };
        let (pregnancy, baby) = match found {
            Found::One(pair) => pair,
            Found::Refused(why) => {
                // The same birth reported again: the first report closed the
                // pregnancy, so it is no longer among the ongoing ones and
                // the kader was told to register her first. CHAT.md: the
                // same report twice is answered "sudah tercatat".
                let splits: Vec<(PersonRef, String)> = match parties {
                    BirthParties::Split { mother, baby_name } => {
                        vec![(mother.clone(), baby_name.clone())]
                    }
                    BirthParties::Unsplit(words) => (1..words.len())
                        .rev()
                        .map(|at| {
                            let mother = PersonRef::Name {
                                name: words[..at].join(" "),
                                mother: None,
                            };
                            (mother, words[at..].join(" "))
                        })
                        .collect(),
                };
                for (mother, baby) in &splits {
                    if let Some(summary) = self.born_before(mother, baby, birth_date).await? {
                        return Ok(Done::Saved {
                            summary,
                            records: Vec::new(),
                        });
                    }
                }
                return Ok(Done::Refused(why));
            }
        };
        let body = NewBirth {
            name: baby,
            sex,
            birth_date,
            weight_g: weight_g as i32,
            length_cm,
            place: None,
            nik: None,
            buku_kia_held: false,
        };
        let path = format!("/api/v1/pregnancies/{}/births", pregnancy.id);
        match self
            .post::<_, Birth>(&path, &body, &self.key(number, ""))
            .await
        {
            Ok(answer) => Ok(Done::Saved {
                summary: replies::birth_saved(&answer.body, answer.status == 200),
                records: vec![RecordRef {
                    kind: "birth".into(),
                    id: answer.body.child.id,
                }],
            }),
            Err(e) => refusal(CommandKind::Lahir, e),
        }
    }

    /// The "sudah tercatat" answer when `mother` already has a child named
    /// `baby` born on `birth_date` from a pregnancy closed that day.
    async fn born_before(
        &self,
        mother: &PersonRef,
        baby: &str,
        birth_date: NaiveDate,
    ) -> Step<Option<String>> {
        let woman = match self.find_person(mother, true).await? {
            Found::One(p) => p,
            Found::Refused(_) => return Ok(None),
        };
        let wanted = chat::normalise::fold_name(baby);
        let path = format!("/api/v1/children?mother_id={}&limit=50", woman.id);
        let children: Page<Child> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(_) => return Ok(None),
        };
        let Some(child) = children.items.into_iter().find(|c| {
            c.person.birth_date == birth_date
                && chat::normalise::fold_name(&c.person.name) == wanted
        }) else {
            return Ok(None);
        };
        let path = format!("/api/v1/pregnancies?mother_id={}&status=ended", woman.id);
        let ended: Page<Pregnancy> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(_) => return Ok(None),
        };
        let Some(pregnancy) = ended
            .items
            .into_iter()
            .find(|p| p.outcome_date == Some(birth_date))
        else {
            return Ok(None);
        };
        let birth = Birth {
            pregnancy,
            low_birth_weight: child.birth_weight_g.is_some_and(|g| g < 2500),
            child,
            immunisation_due: Vec::new(),
        };
        Ok(Some(replies::birth_saved(&birth, true)))
    }

    /// "LAHIR Made Sari Putu Ayu P …" without a separator: the mother is
    /// the longest leading run of words that names one pregnant woman.
    async fn split_parties(&self, words: &[String]) -> Step<Found<(Pregnancy, String)>> {
        let mut query = vec![("status", "ongoing".to_owned()), ("limit", "200".into())];
        if let Some(id) = self.posyandu_id() {
            query.push(("posyandu_id", id.to_string()));
        }
        let path = format!(
            "/api/v1/pregnancies?{}",
            serde_urlencoded::to_string(&query).expect("query pairs encode")
        );
        let ongoing: Page<Pregnancy> = self.get(&path).await?;
        for split in (1..words.len()).rev() {
            let mother = chat::normalise::fold_name(&words[..split].join(" "));
            let matches: Vec<&Pregnancy> = ongoing
                .items
                .iter()
                .filter(|p| chat::normalise::fold_name(&p.mother_name) == mother)
                .collect();
            if matches.len() == 1 {
                return Ok(Found::One((matches[0].clone(), words[split..].join(" "))));
            }
        }
        Ok(Found::Refused(
            "Nama ibu tidak dikenali. Pisahkan ibu dan bayi dengan #, contoh: LAHIR Sari # Putu Ayu P 01-12-2026 3200"
                .into(),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    async fn datang(
        &self,
        number: u32,
        name: &str,
        sex: Sex,
        birth_date: NaiveDate,
        nik: Option<String>,
        origin: Option<String>,
        phone: Option<String>,
    ) -> Step<Done> {
        let body = NewNewcomer {
            person: NewPerson {
                nik,
                name: name.to_owned(),
                sex,
                birth_date,
                phone,
                family_id: None,
                bpjs_segment: None,
                bpjs_number: None,
                desa_code: None,
                posyandu_id: self.posyandu_id(),
            },
            arrived_on: self.today,
            origin: origin.clone(),
        };
        // The API answers a `Newcomer` (the person with the arrival), not a
        // bare `Person`: read as a `Person`, the answer never decoded, so a
        // newcomer was registered while the kader got no reply (the message
        // was retried as if the API were down) or a ✗.
        //
        // The same newcomer reported again (same name, sex and birth date at
        // the posyandu) is the person registered the first time: a second
        // POST made a second person. CHAT.md: recorded once, "sudah
        // tercatat".
        let (person, already) = match self.same_person(name, sex, birth_date).await? {
            Some(person) => (person, true),
            None => match self
                .post::<_, Newcomer>("/api/v1/population/newcomers", &body, &self.key(number, ""))
                .await
            {
                Ok(answer) => (answer.body.person, false),
                Err(e) => return refusal(CommandKind::Datang, e),
            },
        };
        let mut records = Vec::new();
        let mut summary = if already {
            format!(
                "Sudah tercatat: Pendatang {} ({}). Kode {}",
                person.name,
                replies::age(person.birth_date, self.today),
                person.code
            )
        } else {
            records.push(RecordRef {
                kind: "person".into(),
                id: person.id,
            });
            format!(
                "\u{2713} Pendatang {} ({}) tercatat{}. Kode {}",
                person.name,
                replies::age(person.birth_date, self.today),
                origin.map(|o| format!(" dari {o}")).unwrap_or_default(),
                person.code
            )
        };
        // A child under five joins the posyandu's children (its S grows).
        if let Some(posyandu_id) = self.posyandu_id()
            && (self.today - birth_date).num_days() <= 1826
        {
            let child = NewChild {
                person_id: Some(person.id),
                person: None,
                mother_id: None,
                posyandu_id,
                birth_weight_g: None,
                birth_length_cm: None,
                kms_held: false,
                buku_kia_held: false,
            };
            match self
                .post::<_, Child>("/api/v1/children", &child, &self.key(number, "child"))
                .await
            {
                // Run for a repeated report too (a first run that stopped
                // half-way is completed); an existing child is refused.
                Ok(answer) if !already || answer.status == 201 => {
                    if !already {
                        summary.push_str(". Masuk daftar balita posyandu");
                    }
                    records.push(RecordRef {
                        kind: "child".into(),
                        id: person.id,
                    });
                }
                Ok(_) => {}
                Err(e) if e.is_temporary() => return Err(e.into()),
                Err(_) => {}
            }
        }
        Ok(Done::Saved { summary, records })
    }

    /// The living resident of the sender's posyandu with this name, sex and
    /// birth date, when there is exactly one.
    async fn same_person(
        &self,
        name: &str,
        sex: Sex,
        birth_date: NaiveDate,
    ) -> Step<Option<Person>> {
        let mut query = vec![("name", name.to_owned()), ("limit", "20".into())];
        if let Some(id) = self.posyandu_id() {
            query.push(("posyandu_id", id.to_string()));
        }
        let path = format!(
            "/api/v1/people?{}",
            serde_urlencoded::to_string(&query).expect("query pairs encode")
        );
        let page: Page<Person> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(_) => return Ok(None),
        };
        let wanted = chat::normalise::fold_name(name);
        let mut same: Vec<Person> = page
            .items
            .into_iter()
            .filter(|p| {
                // Someone who moved away and comes back is a newcomer again.
                p.status == PersonStatus::Active
                    && p.sex == sex
                    && p.birth_date == birth_date
                    && chat::normalise::fold_name(&p.name) == wanted
            })
            .collect();
        Ok((same.len() == 1).then(|| same.remove(0)))
    }

    async fn event(
        &self,
        number: u32,
        who: &PersonRef,
        kind: &str,
        date: Option<NaiveDate>,
        destination: Option<String>,
    ) -> Step<Done> {
        let person = match self.find_person(who, false).await? {
            Found::One(p) => p,
            Found::Refused(why) => return Ok(Done::Refused(why)),
        };
        let body = NewPersonEvent {
            kind: kind.into(),
            event_date: date.unwrap_or(self.today),
            note: Some("dilaporkan lewat chat".into()),
            origin: None,
            destination: destination.clone(),
        };
        let path = format!("/api/v1/people/{}/events", person.id);
        let command = if kind == "moved" {
            CommandKind::Pindah
        } else {
            CommandKind::Meninggal
        };
        let what = if kind == "moved" {
            format!(
                "pindah{}",
                destination
                    .as_ref()
                    .map(|d| format!(" ke {d}"))
                    .unwrap_or_default()
            )
        } else {
            "meninggal".into()
        };
        // Reported again: the person already has this status from that
        // day. A second PINDAH added a second move, a second MENINGGAL was
        // refused with a ✗. CHAT.md: recorded once, "sudah tercatat".
        let status = if kind == "moved" {
            PersonStatus::Moved
        } else {
            PersonStatus::Deceased
        };
        if person.status == status && person.status_date == Some(body.event_date) {
            return Ok(Done::Saved {
                summary: format!(
                    "Sudah tercatat: {} (kode {}) {what}, {}.",
                    person.name,
                    person.code,
                    replies::date(body.event_date)
                ),
                records: Vec::new(),
            });
        }
        match self
            .post::<_, serde_json::Value>(&path, &body, &self.key(number, ""))
            .await
        {
            Ok(answer) => {
                let id = answer
                    .body
                    .get("id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse().ok());
                Ok(Done::Saved {
                    summary: format!(
                        "\u{2713} {} (kode {}) tercatat {what}, {}.",
                        person.name,
                        person.code,
                        replies::date(body.event_date)
                    ),
                    records: id
                        .map(|id| {
                            vec![RecordRef {
                                kind: "person_event".into(),
                                id,
                            }]
                        })
                        .unwrap_or_default(),
                })
            }
            Err(e) => refusal(command, e),
        }
    }

    async fn imun(
        &self,
        number: u32,
        who: &PersonRef,
        vaccines: &[VaccineDose],
        on: NaiveDate,
    ) -> Step<Done> {
        let child = match self.find_child(who).await? {
            Found::One(c) => c,
            Found::Refused(why) => return Ok(Done::Refused(why)),
        };
        let mut status: Option<ImmunisationStatus> = None;
        let mut given = Vec::new();
        let mut refused = Vec::new();
        let mut records = Vec::new();
        for (i, vaccine) in vaccines.iter().enumerate() {
            let dose = match vaccine.dose {
                Some(dose) => dose,
                None => {
                    if status.is_none() {
                        status = Some(
                            self.get(&format!("/api/v1/children/{}/immunisations", child.id))
                                .await?,
                        );
                    }
                    let status = status.as_ref().expect("just fetched");
                    // Reported again: the dose of this vaccine given that
                    // day, not the next one (the same `campak` twice made a
                    // second, too early MR dose). The API answers it as
                    // already recorded.
                    let same_day = status
                        .given
                        .iter()
                        .filter(|g| g.antigen == vaccine.antigen && g.given_on == on)
                        .map(|g| g.dose)
                        .max();
                    match same_day.or_else(|| next_dose(status, &vaccine.antigen)) {
                        Some(dose) => dose,
                        None => {
                            refused.push(format!("{} sudah lengkap", vaccine.antigen));
                            continue;
                        }
                    }
                }
            };
            let body = NewImmunisation {
                antigen: vaccine.antigen.clone(),
                dose,
                given_on: on,
                batch: None,
                place: None,
                given_by: self.claimed.sender.name.clone(),
            };
            let path = format!("/api/v1/children/{}/immunisations", child.id);
            match self
                .post::<_, Immunisation>(&path, &body, &self.key(number, &format!("v{i}")))
                .await
            {
                Ok(answer) => {
                    let d = &answer.body;
                    let mut label = replies::dose_label(&d.antigen, d.dose);
                    if d.too_early || d.too_soon {
                        label.push_str(" (terlalu dini!)");
                    } else if d.too_late {
                        label.push_str(" (terlambat)");
                    } else if d.previous_missing {
                        label.push_str(" (dosis sebelumnya belum tercatat)");
                    }
                    given.push(label);
                    if answer.status == 201 {
                        records.push(RecordRef {
                            kind: "immunisation".into(),
                            id: d.id,
                        });
                    }
                }
                Err(e) if e.is_temporary() => return Err(e.into()),
                Err(e) => refused.push(format!(
                    "{}: {}",
                    replies::dose_label(&vaccine.antigen, dose),
                    e.problem()
                        .map(|p| replies::explain_problem(CommandKind::Imun, p))
                        .unwrap_or_else(|| "tidak bisa dicatat".into())
                )),
            }
        }
        if given.is_empty() {
            return Ok(Done::Refused(format!(
                "{} (kode {}): {}",
                child.person.name,
                child.person.code,
                refused.join("; ")
            )));
        }
        // Every dose already recorded that day: the same report again.
        let mark = if records.is_empty() && refused.is_empty() {
            "Sudah tercatat:"
        } else {
            "\u{2713}"
        };
        let mut summary = format!(
            "{mark} {} (kode {}) imunisasi {}, {}.",
            child.person.name,
            child.person.code,
            given.join(", "),
            replies::date(on)
        );
        if !refused.is_empty() {
            summary.push_str(&format!(" \u{2717} {}", refused.join("; ")));
        }
        Ok(Done::Saved { summary, records })
    }

    async fn vita(
        &self,
        number: u32,
        who: &PersonRef,
        capsule: Option<Capsule>,
        on: NaiveDate,
    ) -> Step<Done> {
        let child = match self.find_child(who).await? {
            Found::One(c) => c,
            Found::Refused(why) => return Ok(Done::Refused(why)),
        };
        // Blue at 6–11 months, red from 12: the age decides when unsaid.
        let capsule = capsule.unwrap_or_else(|| {
            let months = replies::completed_months(child.person.birth_date, on);
            if months < 12 {
                Capsule::Blue
            } else {
                Capsule::Red
            }
        });
        let body = NewVitaminADose {
            capsule,
            given_on: on,
        };
        let path = format!("/api/v1/people/{}/vitamin-a", child.id);
        match self
            .post::<_, VitaminADose>(&path, &body, &self.key(number, ""))
            .await
        {
            Ok(answer) => Ok(Done::Saved {
                summary: format!(
                    "\u{2713} {} (kode {}) vitamin A {}, {}.",
                    child.person.name,
                    child.person.code,
                    replies::capsule(capsule),
                    replies::date(on)
                ),
                records: vec![RecordRef {
                    kind: "vitamin_a".into(),
                    id: answer.body.id,
                }],
            }),
            Err(e) if e.is_temporary() => Err(e.into()),
            Err(e) => {
                // The same capsule the same day again: the API refuses a
                // second one for the round, and the kader read a ✗ for a
                // report that is in fact recorded. CHAT.md: "sudah
                // tercatat".
                let doses: Vec<VitaminADose> = match self.get(&path).await {
                    Ok(doses) => doses,
                    Err(e) if e.is_temporary() => return Err(e.into()),
                    Err(_) => Vec::new(),
                };
                if doses
                    .iter()
                    .any(|d| d.given_on == on && d.capsule == capsule)
                {
                    return Ok(Done::Saved {
                        summary: format!(
                            "Sudah tercatat: {} (kode {}) vitamin A {}, {}.",
                            child.person.name,
                            child.person.code,
                            replies::capsule(capsule),
                            replies::date(on)
                        ),
                        records: Vec::new(),
                    });
                }
                refusal(CommandKind::Vita, e)
            }
        }
    }

    async fn cari(&self, query: &str) -> Step<Done> {
        let mut pairs = vec![("name", query.to_owned()), ("limit", "6".into())];
        if let Some(id) = self.posyandu_id() {
            pairs.push(("posyandu_id", id.to_string()));
        }
        let path = format!(
            "/api/v1/people?{}",
            serde_urlencoded::to_string(&pairs).expect("query pairs encode")
        );
        let page: Page<Person> = match self.get(&path).await {
            Ok(page) => page,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(e) => return refusal(CommandKind::Cari, e),
        };
        if page.items.is_empty() {
            return Ok(Done::Answered(format!(
                "Tidak ada \"{query}\" di posyandu Anda."
            )));
        }
        let list: Vec<String> = page
            .items
            .iter()
            .take(5)
            .map(|p| {
                format!(
                    "{} kode {} lahir {}",
                    p.name,
                    p.code,
                    replies::date(p.birth_date)
                )
            })
            .collect();
        Ok(Done::Answered(list.join("; ")))
    }

    async fn jadwal(&self) -> Step<Done> {
        let Some(posyandu) = self.claimed.sender.posyandu.clone() else {
            return Ok(Done::Answered(
                "Posyandu Anda belum tercatat. Hubungi kader atau bidan desa.".into(),
            ));
        };
        let path = format!("/api/v1/posyandu/{}/schedule?months=2", posyandu.id);
        // A mother has no account to act with: the bot reads the calendar.
        let schedule: Result<PosyanduSchedule, ClientError> =
            if self.claimed.sender.kind == SenderKind::Mother {
                self.api.get_json(&path).await
            } else {
                self.get(&path).await
            };
        let schedule = match schedule {
            Ok(s) => s,
            Err(e) if e.is_temporary() => return Err(e.into()),
            Err(e) => return refusal(CommandKind::Jadwal, e),
        };
        Ok(Done::Answered(match schedule.days.first() {
            Some(day) => format!(
                "{} buka {} {}{}.",
                posyandu.name,
                replies::weekday(day.date),
                replies::date(day.date),
                schedule
                    .opening_rule_text
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            None => format!("Jadwal {} belum ditetapkan.", posyandu.name),
        }))
    }

    async fn batal(&mut self, number: u32) -> Step<Done> {
        let Some(last) = self.claimed.last_report.clone() else {
            return Ok(Done::Answered(replies::NOTHING_TO_UNDO.into()));
        };
        let mut undone = 0;
        let mut kept = Vec::new();
        for (i, record) in last.records.iter().enumerate() {
            let path = match record.kind.as_str() {
                "weighing" => format!("/api/v1/weighings/{}", record.id),
                "immunisation" => format!("/api/v1/immunisations/{}", record.id),
                other => {
                    kept.push(other.to_owned());
                    continue;
                }
            };
            match self
                .api
                .delete_for(self.phone(), &path, &self.key(number, &format!("undo{i}")))
                .await
            {
                Ok(()) => undone += 1,
                Err(e) if e.is_temporary() => return Err(e.into()),
                Err(_) => kept.push(record.kind.clone()),
            }
        }
        self.undoes = Some(last.message_id);
        if kept.is_empty() {
            Ok(Done::Saved {
                summary: format!("\u{2713} Laporan terakhir dibatalkan ({undone} catatan)."),
                records: Vec::new(),
            })
        } else {
            Ok(Done::Refused(format!(
                "{undone} catatan dibatalkan; kelahiran, kehamilan, pindah dan pendatang tidak bisa dibatalkan lewat chat: hubungi bidan atau puskesmas."
            )))
        }
    }

    async fn preference(&self, opted_out: bool) -> Step<Done> {
        let body = openapi::messages::ContactPreferenceUpdate {
            phone: self.phone().to_owned(),
            opted_out,
            channel: Some(self.claimed.message.channel.clone()),
        };
        self.api
            .post_json::<_, openapi::messages::ContactPreference>(
                "/api/v1/contact-preferences",
                &body,
            )
            .await
            .map_err(Retry::from)?;
        Ok(Done::Answered(
            if opted_out {
                replies::STOPPED
            } else {
                replies::STARTED
            }
            .into(),
        ))
    }
}

/// Prefer people whose folded name is exactly the one given; otherwise
/// those whose name contains it.
fn best_name_matches<T>(items: Vec<T>, name: &str, name_of: impl Fn(&T) -> &String) -> Vec<T> {
    let wanted = chat::normalise::fold_name(name);
    let folded: Vec<String> = items
        .iter()
        .map(|item| chat::normalise::fold_name(name_of(item)))
        .collect();
    let exact = folded.contains(&wanted);
    items
        .into_iter()
        .zip(folded)
        .filter(|(_, f)| {
            if exact {
                *f == wanted
            } else {
                f.contains(&wanted)
            }
        })
        .map(|(item, _)| item)
        .collect()
}

/// The lowest dose of `antigen` not given yet.
fn next_dose(status: &ImmunisationStatus, antigen: &str) -> Option<u8> {
    status
        .doses
        .iter()
        .filter(|d| d.antigen == antigen && d.state != DoseStateKind::Given)
        .map(|d| d.dose)
        .min()
}

/// A woman's birth date from her NIK (`PPKKCC DDMMYY NNNN`, day + 40 for
/// women); the century that makes her 10–70 years old.
pub fn birth_date_of_nik(nik: &str) -> Option<NaiveDate> {
    let digits: Vec<u32> = nik.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if digits.len() != 16 {
        return None;
    }
    let number = |i: usize| digits[i] * 10 + digits[i + 1];
    let mut day = number(6);
    if day > 40 {
        day -= 40;
    }
    let (month, year) = (number(8), number(10));
    let this_year = (Utc::now().date_naive().format("%y").to_string())
        .parse::<u32>()
        .unwrap_or(26);
    let century = if year + 10 <= this_year { 2000 } else { 1900 };
    NaiveDate::from_ymd_opt((century + year) as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_womans_nik_gives_her_birth_date() {
        assert_eq!(
            birth_date_of_nik("5108046503950001"),
            NaiveDate::from_ymd_opt(1995, 3, 25)
        );
        assert_eq!(
            birth_date_of_nik("5108044203080001"),
            NaiveDate::from_ymd_opt(2008, 3, 2)
        );
        assert_eq!(birth_date_of_nik("51080465039500"), None);
        assert_eq!(birth_date_of_nik("5108049913950001"), None);
    }

    #[test]
    fn exact_names_win_over_partial_ones() {
        let names = vec!["Putu Ayu".to_owned(), "Putu Ayu Lestari".to_owned()];
        assert_eq!(
            best_name_matches(names.clone(), "putu ayu", |n| n),
            ["Putu Ayu"]
        );
        assert_eq!(best_name_matches(names.clone(), "putu", |n| n).len(), 2);
        assert!(best_name_matches(names, "made", |n| n).is_empty());
    }
}
