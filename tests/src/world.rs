//! Two sibling areas with data, and a logged-in caller of every role bound
//! to the first: the fixture behind the access matrix.
//!
//! - own: Kabupaten Buleleng (51.08) › Kecamatan Buleleng (51.08.06) › Desa
//!   Pemaron (51.08.06.2004), Puskesmas Buleleng III, Posyandu Melati.
//! - other: Kabupaten Jembrana (51.01) › Kecamatan Negara (51.01.01) › Desa
//!   Cupel (51.01.01.2001), Puskesmas Negara I, Posyandu Kamboja.
use std::collections::HashMap;

use openapi::areas::{NewPosyandu, NewPuskesmas, OpeningRule, Posyandu, Puskesmas, SpmField};
use openapi::clients::{ApiClientCreated, NewApiClient};
use openapi::{Role, users::User};
use posyandu_api::access::role_scopes;
use posyandu_api::services::{Authority, areas, clients, posyandu};

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
    Side {
        kabupaten,
        kecamatan,
        desa,
        puskesmas,
        posyandu,
        kader,
        client,
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
