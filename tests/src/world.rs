//! Two sibling areas with data, and a logged-in caller of every role bound
//! to the first: the fixture behind the access matrix.
//!
//! - own: Kabupaten Buleleng (51.08) › Kecamatan Buleleng (51.08.06) › Desa
//!   Pemaron (51.08.06.2004), Puskesmas Buleleng III, Posyandu Melati.
//! - other: Kabupaten Jembrana (51.01) › Kecamatan Negara (51.01.01) › Desa
//!   Cupel (51.01.01.2001), Puskesmas Negara I, Posyandu Kamboja.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use openapi::areas::{NewPosyandu, NewPuskesmas, OpeningRule, Posyandu, Puskesmas, SpmField};
use openapi::clients::{ApiClientCreated, NewApiClient};
use openapi::growth::{NewWeighing, Position, Sex, Weighing};
use openapi::maternal::{NewPregnancy, Pregnancy};
use openapi::registry::{
    Child, Family, Kader, KaderPost, NewChild, NewFamily, NewKader, NewPerson, Person, TrainingTier,
};
use openapi::{Role, users::User};
use posyandu_api::access::role_scopes;
use posyandu_api::domain::double_posts::DoublePostRule;
use posyandu_api::services::weighing_writer::WeighingWriter;
use posyandu_api::services::weighings::{self, Recorded};
use posyandu_api::services::{
    Authority, areas, children, clients, kader, people, posyandu, pregnancies,
};

use crate::{Caller, TestApp, json};

#[derive(Debug, Clone)]
pub struct Side {
    pub kabupaten: &'static str,
    pub kecamatan: &'static str,
    pub desa: &'static str,
    pub puskesmas: Puskesmas,
    pub posyandu: Posyandu,
    /// A kader account at the posyandu.
    pub kader: User,
    /// An app client bound to the kabupaten.
    pub client: ApiClientCreated,
    /// A family attached to the posyandu.
    pub family: Family,
    /// A mother at the posyandu.
    pub mother: Person,
    /// A one-year-old at the posyandu, weighed today (stunted and BGM).
    pub child: Child,
    pub weighing: Weighing,
    /// A kader record at the posyandu.
    pub kader_record: Kader,
    /// An ongoing pregnancy of `mother`, 20 weeks today.
    pub pregnancy: Pregnancy,
}

pub struct World {
    pub own: Side,
    pub other: Side,
    pub callers: HashMap<Role, Caller>,
}

pub async fn new_puskesmas(
    app: &TestApp,
    kode: &str,
    name: &str,
    kecamatan: &str,
    desa: &[&str],
) -> Puskesmas {
    areas::create_puskesmas(
        &app.db,
        Authority::Operator,
        NewPuskesmas {
            kode: kode.into(),
            name: name.into(),
            address: None,
            kecamatan_code: kecamatan.into(),
            desa_codes: desa.iter().map(|d| (*d).to_owned()).collect(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("puskesmas {kode}: {e:?}"))
}

pub async fn new_posyandu(
    app: &TestApp,
    name: &str,
    desa: &str,
    puskesmas: &Puskesmas,
) -> Posyandu {
    posyandu::create_posyandu(
        &app.db,
        Authority::Operator,
        NewPosyandu {
            kode: None,
            name: name.into(),
            address: None,
            desa_code: desa.into(),
            puskesmas_id: puskesmas.id,
            time_zone: None,
            opening_rule: Some(OpeningRule::DayOfMonth { day: 10 }),
            spm_fields: vec![SpmField::Kesehatan],
            sk_number: None,
            sk_date: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("posyandu {name}: {e:?}"))
}

pub async fn new_client(app: &TestApp, name: &str, role: Role, area: &str) -> ApiClientCreated {
    clients::create(
        &app.db,
        Authority::Operator,
        NewApiClient {
            name: name.into(),
            role: Some(role),
            scopes: role_scopes(role).to_vec(),
            area_code: area.into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("client {name}: {e:?}"))
}

async fn side(
    app: &TestApp,
    prefix: &str,
    (kabupaten, kecamatan, desa): (&'static str, &'static str, &'static str),
    kode: &str,
) -> Side {
    let puskesmas = new_puskesmas(
        app,
        kode,
        &format!("Puskesmas {prefix}"),
        kecamatan,
        &[desa],
    )
    .await;
    let posyandu = new_posyandu(app, &format!("Posyandu {prefix}"), desa, &puskesmas).await;
    let kader = app
        .create_user(&format!("kader.{prefix}"), Role::Kader, &posyandu.kode)
        .await;
    let client = new_client(app, &format!("App {prefix}"), Role::App, kabupaten).await;
    let family = people::create_family(
        &app.db,
        Authority::Operator,
        NewFamily {
            no_kk: None,
            desil: Some(3),
            address: None,
            desa_code: None,
            posyandu_id: Some(posyandu.id),
        },
    )
    .await
    .unwrap();
    let mother = new_person(
        app,
        &format!("Ibu {prefix}"),
        Sex::P,
        years_ago(28),
        &posyandu,
    )
    .await;
    let child = new_child(
        app,
        &format!("Anak {prefix}"),
        years_ago(1),
        &posyandu,
        Some(mother.id),
    )
    .await;
    let weighing = match weighings::record(
        &app.db,
        &WeighingWriter::start(app.db.clone(), None),
        Authority::Operator,
        child.id,
        stunted_weighing(),
    )
    .await
    .unwrap()
    {
        Recorded::Created(w) | Recorded::Unchanged(w) => w,
    };
    let kader_record = new_kader(app, &format!("Kader {prefix}"), &posyandu).await;
    let pregnancy = new_pregnancy(app, mother.id, 140).await;
    Side {
        kabupaten,
        kecamatan,
        desa,
        puskesmas,
        posyandu,
        kader,
        client,
        family,
        mother,
        child,
        weighing,
        kader_record,
        pregnancy,
    }
}

/// Registers a pregnancy of `mother`, `days` after its HPHT today.
pub async fn new_pregnancy(app: &TestApp, mother: uuid::Uuid, days: i64) -> Pregnancy {
    let today = crate::today();
    pregnancies::create(
        &app.db,
        Authority::Operator,
        NewPregnancy {
            mother_id: mother,
            posyandu_id: None,
            hpht: Some(today - chrono::Duration::days(days)),
            gestational_age_weeks: None,
            gestational_age_days: None,
            registered_on: None,
            gravida: Some(2),
            para: Some(1),
            abortus: Some(0),
            living_children: Some(1),
            last_birth_date: None,
            height_cm: Some(152.0),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("pregnancy: {e:?}"))
}

/// A woman of 28 with a fresh pregnancy of `days` days at the posyandu.
pub async fn fresh_pregnancy(app: &TestApp, posyandu: &Posyandu, days: i64) -> Pregnancy {
    let mother = new_person(app, "Ibu Hamil", Sex::P, years_ago(28), posyandu).await;
    new_pregnancy(app, mother.id, days).await
}

pub fn years_ago(years: i32) -> NaiveDate {
    let today = crate::today();
    today
        .with_year(today.year() - years)
        .unwrap_or(today - chrono::Duration::days(365 * years as i64))
}

/// A weighing today of a one-year-old girl that is far too light and short.
pub fn stunted_weighing() -> NewWeighing {
    NewWeighing {
        measured_on: None,
        weight_kg: 6.0,
        length_cm: Some(66.0),
        position: Some(Position::Lying),
        head_cm: None,
        muac_cm: None,
        oedema: false,
        measured_by: Some("Kader".into()),
        posyandu_id: None,
    }
}

pub fn new_person_body(name: &str, sex: Sex, birth: NaiveDate, posyandu: &Posyandu) -> NewPerson {
    NewPerson {
        nik: None,
        name: name.into(),
        sex,
        birth_date: birth,
        phone: None,
        family_id: None,
        bpjs_segment: None,
        bpjs_number: None,
        desa_code: None,
        posyandu_id: Some(posyandu.id),
    }
}

pub async fn new_person(
    app: &TestApp,
    name: &str,
    sex: Sex,
    birth: NaiveDate,
    posyandu: &Posyandu,
) -> Person {
    people::create_person(
        &app.db,
        Authority::Operator,
        new_person_body(name, sex, birth, posyandu),
    )
    .await
    .unwrap_or_else(|e| panic!("person {name}: {e:?}"))
}

pub async fn new_child(
    app: &TestApp,
    name: &str,
    birth: NaiveDate,
    posyandu: &Posyandu,
    mother: Option<uuid::Uuid>,
) -> Child {
    children::create(
        &app.db,
        Authority::Operator,
        NewChild {
            person_id: None,
            person: Some(new_person_body(name, Sex::P, birth, posyandu)),
            mother_id: mother,
            posyandu_id: posyandu.id,
            birth_weight_g: Some(3100),
            birth_length_cm: Some(49.0),
            kms_held: true,
            buku_kia_held: true,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("child {name}: {e:?}"))
}

pub async fn new_kader(app: &TestApp, name: &str, posyandu: &Posyandu) -> Kader {
    new_kader_with_phone(app, name, posyandu, None).await
}

/// A kader who reports by chat from `phone`.
pub async fn new_kader_with_phone(
    app: &TestApp,
    name: &str,
    posyandu: &Posyandu,
    phone: Option<&str>,
) -> Kader {
    kader::create(
        &app.db,
        Authority::Operator,
        DoublePostRule::Board,
        NewKader {
            person_id: None,
            person: Some(new_person_body(name, Sex::P, years_ago(35), posyandu)),
            posyandu_id: posyandu.id,
            post: KaderPost::Anggota,
            sk_number: Some("12/SK/2025".into()),
            sk_date: None,
            training_tier: Some(TrainingTier::Purwa),
            phone: phone.map(str::to_owned),
            active_from: years_ago(1),
            active_to: None,
            user_id: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("kader {name}: {e:?}"))
}

/// A fresh weighing of a fresh child, for tests that remove one.
pub async fn fresh_weighing(app: &TestApp, posyandu: &Posyandu) -> Weighing {
    let child = new_child(app, "Anak Sementara", years_ago(2), posyandu, None).await;
    match weighings::record(
        &app.db,
        &WeighingWriter::start(app.db.clone(), None),
        Authority::Operator,
        child.id,
        stunted_weighing(),
    )
    .await
    .unwrap()
    {
        Recorded::Created(w) | Recorded::Unchanged(w) => w,
    }
}

/// Logs in an API client with the client-credentials grant.
pub async fn client_login(app: &TestApp, client: &ApiClientCreated) -> Caller {
    let response = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client.client_id),
            ("client_secret", &client.client_secret),
        ])
        .await;
    let tokens: openapi::auth::TokenResponse = json(response, 200).await;
    Caller {
        token: tokens.access_token,
        refresh_token: None,
    }
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let own = side(
            app,
            "own",
            ("51.08", "51.08.06", "51.08.06.2004"),
            "P5108060203",
        )
        .await;
        let other = side(
            app,
            "other",
            ("51.01", "51.01.01", "51.01.01.2001"),
            "P5101010201",
        )
        .await;
        let people = [
            ("matrix.admin", Role::Admin, own.kabupaten.to_owned()),
            ("matrix.dinkes", Role::Dinkes, own.kabupaten.to_owned()),
            ("matrix.dpmd", Role::Dpmd, own.kabupaten.to_owned()),
            (
                "matrix.puskesmas",
                Role::Puskesmas,
                own.puskesmas.kode.clone(),
            ),
            ("matrix.desa", Role::Desa, own.desa.to_owned()),
            ("matrix.bidan", Role::Bidan, own.desa.to_owned()),
            ("matrix.kader", Role::Kader, own.posyandu.kode.clone()),
        ];
        let mut callers = HashMap::new();
        for (username, role, area) in people {
            app.create_user(username, role, &area).await;
            callers.insert(role, app.login(username).await);
        }
        let app_client = new_client(app, "Matrix app", Role::App, own.kabupaten).await;
        callers.insert(Role::App, client_login(app, &app_client).await);
        let bot_client = new_client(app, "Matrix bot", Role::Bot, own.kabupaten).await;
        callers.insert(Role::Bot, client_login(app, &bot_client).await);
        World {
            own,
            other,
            callers,
        }
    }

    pub fn side(&self, own: bool) -> &Side {
        if own { &self.own } else { &self.other }
    }
}
