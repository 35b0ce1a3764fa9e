//! Roles, areas and scopes: who may do what, where.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a caller is. People have one of the first seven roles; API clients
/// are `app` (a third-party application) or `bot` (the chat worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Operator of the installation.
    Admin,
    /// District health office (Dinas Kesehatan).
    Dinkes,
    /// District office for village community empowerment (DPMD).
    Dpmd,
    /// Puskesmas staff.
    Puskesmas,
    /// Village government.
    Desa,
    /// Midwife.
    Bidan,
    /// Posyandu volunteer.
    Kader,
    /// Third-party application (API client).
    App,
    /// The chat bot worker's service account (API client).
    Bot,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Dinkes,
        Role::Dpmd,
        Role::Puskesmas,
        Role::Desa,
        Role::Bidan,
        Role::Kader,
        Role::App,
        Role::Bot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dinkes => "dinkes",
            Role::Dpmd => "dpmd",
            Role::Puskesmas => "puskesmas",
            Role::Desa => "desa",
            Role::Bidan => "bidan",
            Role::Kader => "kader",
            Role::App => "app",
            Role::Bot => "bot",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles held by API clients rather than by people.
    pub fn is_client_role(self) -> bool {
        matches!(self, Role::App | Role::Bot)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level of an area in the tree. Region codes follow Kemendagri
/// (`51`, `51.08`, `51.08.06`, `51.08.06.2003`); a puskesmas is named by its
/// Kemenkes code and a posyandu by its registration number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    Nasional,
    Provinsi,
    Kabupaten,
    Kecamatan,
    Puskesmas,
    Desa,
    Posyandu,
}

impl AreaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Nasional => "nasional",
            AreaKind::Provinsi => "provinsi",
            AreaKind::Kabupaten => "kabupaten",
            AreaKind::Kecamatan => "kecamatan",
            AreaKind::Puskesmas => "puskesmas",
            AreaKind::Desa => "desa",
            AreaKind::Posyandu => "posyandu",
        }
    }

    pub fn parse(s: &str) -> Option<AreaKind> {
        [
            AreaKind::Nasional,
            AreaKind::Provinsi,
            AreaKind::Kabupaten,
            AreaKind::Kecamatan,
            AreaKind::Puskesmas,
            AreaKind::Desa,
            AreaKind::Posyandu,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An area a user or client is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AreaRef {
    pub kind: AreaKind,
    /// Region code, puskesmas code or posyandu registration number;
    /// `ID` for the whole country.
    #[schema(example = "51.08.06")]
    pub code: String,
    /// Human name of the area, e.g. `Kecamatan Buleleng`.
    #[schema(example = "Buleleng")]
    pub name: String,
}

/// A permission. People get theirs from their role; API clients are granted
/// a subset of them as OAuth scopes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    /// Read regions, puskesmas and posyandu.
    #[serde(rename = "read:areas")]
    ReadAreas,
    /// Create and change puskesmas and posyandu.
    #[serde(rename = "write:areas")]
    WriteAreas,
    /// Read user accounts.
    #[serde(rename = "read:users")]
    ReadUsers,
    /// Create, change and deactivate user accounts.
    #[serde(rename = "write:users")]
    WriteUsers,
    /// Read API clients.
    #[serde(rename = "read:clients")]
    ReadClients,
    /// Register and revoke API clients.
    #[serde(rename = "write:clients")]
    WriteClients,
    /// Read the audit log.
    #[serde(rename = "read:audit")]
    ReadAudit,
    /// Read families, people, children and their weighings.
    #[serde(rename = "read:people")]
    ReadPeople,
    /// Register and change families, people and children.
    #[serde(rename = "write:people")]
    WritePeople,
    /// Record and correct weighings.
    #[serde(rename = "write:weighings")]
    WriteWeighings,
    /// Record pregnancies, antenatal contacts, births, immunisation and
    /// vitamin A.
    #[serde(rename = "write:health")]
    WriteHealth,
    /// Read the kader registry.
    #[serde(rename = "read:kader")]
    ReadKader,
    /// Appoint kader and record their posts and incentives.
    #[serde(rename = "write:kader")]
    WriteKader,
    /// Read the chat messages of the area and what they produced.
    #[serde(rename = "read:messages")]
    ReadMessages,
    /// Correct and re-run a chat message.
    #[serde(rename = "write:messages")]
    WriteMessages,
    /// Read the reports: SKDN, nutrition, maternal, immunisation,
    /// population, posyandu strata, the lokmin pack, targets and RTL.
    /// Aggregates only; the named lists behind them also need `read:people`.
    #[serde(rename = "read:reports")]
    ReadReports,
    /// Set the district's targets for a year.
    #[serde(rename = "write:targets")]
    WriteTargets,
    /// Record and update the lokmin follow-up plan (RTL).
    #[serde(rename = "write:lokmin")]
    WriteLokmin,
    /// Record a posyandu's activities for its SPM fields and its health
    /// fund (the data its strata are computed from).
    #[serde(rename = "write:activities")]
    WriteActivities,
    /// The bot's relay: store provider deliveries, claim and settle
    /// messages, send the outbox, act for a kader by their phone number.
    #[serde(rename = "bot:relay")]
    BotRelay,
}

impl Scope {
    pub const ALL: [Scope; 20] = [
        Scope::ReadAreas,
        Scope::WriteAreas,
        Scope::ReadUsers,
        Scope::WriteUsers,
        Scope::ReadClients,
        Scope::WriteClients,
        Scope::ReadAudit,
        Scope::ReadPeople,
        Scope::WritePeople,
        Scope::WriteWeighings,
        Scope::WriteHealth,
        Scope::ReadKader,
        Scope::WriteKader,
        Scope::ReadMessages,
        Scope::WriteMessages,
        Scope::ReadReports,
        Scope::WriteTargets,
        Scope::WriteLokmin,
        Scope::WriteActivities,
        Scope::BotRelay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadAreas => "read:areas",
            Scope::WriteAreas => "write:areas",
            Scope::ReadUsers => "read:users",
            Scope::WriteUsers => "write:users",
            Scope::ReadClients => "read:clients",
            Scope::WriteClients => "write:clients",
            Scope::ReadAudit => "read:audit",
            Scope::ReadPeople => "read:people",
            Scope::WritePeople => "write:people",
            Scope::WriteWeighings => "write:weighings",
            Scope::WriteHealth => "write:health",
            Scope::ReadKader => "read:kader",
            Scope::WriteKader => "write:kader",
            Scope::ReadMessages => "read:messages",
            Scope::WriteMessages => "write:messages",
            Scope::ReadReports => "read:reports",
            Scope::WriteTargets => "write:targets",
            Scope::WriteLokmin => "write:lokmin",
            Scope::WriteActivities => "write:activities",
            Scope::BotRelay => "bot:relay",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|p| p.as_str() == s)
    }
}
