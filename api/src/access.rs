//! Who may do what, where.
//!
//! A role gives a set of permissions ([`Scope`]); an area bounds where they
//! apply. Area checks are never done after loading a row: they are a `WHERE`
//! clause built from the caller's area ([`AreaScope::condition`]) on the
//! columns every area-bound row carries, so a record of another area is
//! simply not found (404), and a list never contains one.
use openapi::{AreaKind, Role, Scope};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait};
use uuid::Uuid;

/// The permissions of each role. API clients get the intersection of their
/// role's set and the scopes granted to them.
pub fn role_scopes(role: Role) -> &'static [Scope] {
    use Scope::*;
    match role {
        Role::Admin => &Scope::ALL,
        Role::Dinkes => &[
            ReadAreas,
            WriteAreas,
            ReadUsers,
            WriteUsers,
            ReadClients,
            WriteClients,
            ReadAudit,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            WriteKader,
            ReadMessages,
            WriteMessages,
            ReadReports,
            WriteActivities,
            WriteTargets,
            WriteLokmin,
        ],
        Role::Puskesmas => &[
            ReadAreas,
            WriteAreas,
            ReadUsers,
            WriteUsers,
            ReadAudit,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            WriteKader,
            ReadMessages,
            WriteMessages,
            ReadReports,
            WriteActivities,
            WriteLokmin,
        ],
        // The village community office: the registry and its kader, not
        // clinical records.
        Role::Dpmd => &[
            ReadAreas,
            WriteAreas,
            ReadUsers,
            WriteUsers,
            ReadAudit,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            ReadKader,
            WriteKader,
            ReadReports,
            WriteActivities,
        ],
        Role::Desa => &[
            ReadAreas,
            WriteAreas,
            ReadUsers,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            ReadKader,
            WriteKader,
            ReadReports,
            WriteActivities,
        ],
        Role::Bidan => &[
            ReadAreas,
            ReadUsers,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            ReadMessages,
            ReadReports,
        ],
        Role::Kader => &[
            ReadAreas,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            ReadReports,
            WriteActivities,
        ],
        Role::App => &[
            ReadAreas,
            WriteAreas,
            ReadUsers,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            ReadReports,
            WriteActivities,
        ],
        Role::Bot => &[
            ReadAreas,
            ReadUsers,
            ReadPeople,
            WritePeople,
            WriteWeighings,
            WriteHealth,
            ReadKader,
            ReadMessages,
            BotRelay,
        ],
    }
}

/// Which roles a user of `manager` role may give to the accounts they create
/// or change (always within their own area).
pub fn grantable_roles(manager: Role) -> &'static [Role] {
    match manager {
        Role::Admin => &[
            Role::Admin,
            Role::Dinkes,
            Role::Dpmd,
            Role::Puskesmas,
            Role::Desa,
            Role::Bidan,
            Role::Kader,
        ],
        Role::Dinkes => &[Role::Dinkes, Role::Puskesmas, Role::Bidan, Role::Kader],
        // The village offices appoint kader (the kader registry, by SK) but
        // do not hand out logins that record clinical data: a kader's
        // account, which carries `write:health`, comes from the health side.
        Role::Dpmd => &[Role::Dpmd, Role::Desa],
        Role::Puskesmas => &[Role::Puskesmas, Role::Bidan, Role::Kader],
        Role::Desa => &[],
        Role::Bidan | Role::Kader | Role::App | Role::Bot => &[],
    }
}

/// Which client roles a user may register API clients for.
pub fn grantable_client_roles(manager: Role) -> &'static [Role] {
    match manager {
        Role::Admin => &[Role::App, Role::Bot],
        Role::Dinkes => &[Role::App],
        _ => &[],
    }
}

/// The area a caller is bound to, with what is needed to filter rows by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaScope {
    Nasional,
    Provinsi(String),
    Kabupaten(String),
    Kecamatan(String),
    Desa(String),
    Puskesmas(Uuid),
    Posyandu(Uuid),
}

/// Where a record (or an area) sits in the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub province: Option<String>,
    pub kabupaten: Option<String>,
    pub kecamatan: Option<String>,
    pub desa: Option<String>,
    /// The puskesmas the record belongs to (a posyandu's supervisor).
    pub puskesmas: Option<Uuid>,
    pub posyandu: Option<Uuid>,
}

impl Location {
    /// The location of a region code, from its prefixes.
    pub fn of_region(code: &str) -> Location {
        let parts: Vec<&str> = code.split('.').collect();
        let prefix = |n: usize| (parts.len() >= n).then(|| parts[..n].join("."));
        Location {
            province: prefix(1),
            kabupaten: prefix(2),
            kecamatan: prefix(3),
            desa: prefix(4),
            puskesmas: None,
            posyandu: None,
        }
    }
}

/// The levels a row can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaLevel {
    Provinsi,
    Kabupaten,
    Kecamatan,
    Desa,
    Puskesmas,
    Posyandu,
}

/// An entity whose rows carry area columns.
pub trait AreaScoped: EntityTrait {
    /// The column holding the row's area at `level`, if the table has one.
    fn area_column(level: AreaLevel) -> Option<Self::Column>;

    /// The condition selecting the rows inside `scope`. Tables that relate
    /// to areas in other ways override it.
    fn scope_condition(scope: &AreaScope) -> Condition {
        scope.column_condition::<Self>()
    }
}

impl AreaScope {
    pub fn from_parts(kind: AreaKind, code: &str, id: Option<Uuid>) -> Option<AreaScope> {
        Some(match kind {
            AreaKind::Nasional => AreaScope::Nasional,
            AreaKind::Provinsi => AreaScope::Provinsi(code.to_owned()),
            AreaKind::Kabupaten => AreaScope::Kabupaten(code.to_owned()),
            AreaKind::Kecamatan => AreaScope::Kecamatan(code.to_owned()),
            AreaKind::Desa => AreaScope::Desa(code.to_owned()),
            AreaKind::Puskesmas => AreaScope::Puskesmas(id?),
            AreaKind::Posyandu => AreaScope::Posyandu(id?),
        })
    }

    pub fn kind(&self) -> AreaKind {
        match self {
            AreaScope::Nasional => AreaKind::Nasional,
            AreaScope::Provinsi(_) => AreaKind::Provinsi,
            AreaScope::Kabupaten(_) => AreaKind::Kabupaten,
            AreaScope::Kecamatan(_) => AreaKind::Kecamatan,
            AreaScope::Desa(_) => AreaKind::Desa,
            AreaScope::Puskesmas(_) => AreaKind::Puskesmas,
            AreaScope::Posyandu(_) => AreaKind::Posyandu,
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        match self {
            AreaScope::Puskesmas(id) | AreaScope::Posyandu(id) => Some(*id),
            _ => None,
        }
    }

    /// Whether a record at `location` is inside this area.
    pub fn contains(&self, location: &Location) -> bool {
        match self {
            AreaScope::Nasional => true,
            AreaScope::Provinsi(code) => location.province.as_ref() == Some(code),
            AreaScope::Kabupaten(code) => location.kabupaten.as_ref() == Some(code),
            AreaScope::Kecamatan(code) => location.kecamatan.as_ref() == Some(code),
            AreaScope::Desa(code) => location.desa.as_ref() == Some(code),
            AreaScope::Puskesmas(id) => location.puskesmas == Some(*id),
            AreaScope::Posyandu(id) => location.posyandu == Some(*id),
        }
    }

    /// The rows of `E` inside this area.
    pub fn condition<E: AreaScoped>(&self) -> Condition {
        E::scope_condition(self)
    }

    /// The plain column comparison for this area's level; nothing when the
    /// table has no such column.
    pub fn column_condition<E: AreaScoped>(&self) -> Condition {
        let column = |level| E::area_column(level);
        let matched = match self {
            AreaScope::Nasional => return Condition::all(),
            AreaScope::Provinsi(code) => column(AreaLevel::Provinsi).map(|c| c.eq(code.as_str())),
            AreaScope::Kabupaten(code) => column(AreaLevel::Kabupaten).map(|c| c.eq(code.as_str())),
            AreaScope::Kecamatan(code) => column(AreaLevel::Kecamatan).map(|c| c.eq(code.as_str())),
            AreaScope::Desa(code) => column(AreaLevel::Desa).map(|c| c.eq(code.as_str())),
            AreaScope::Puskesmas(id) => column(AreaLevel::Puskesmas).map(|c| c.eq(*id)),
            AreaScope::Posyandu(id) => column(AreaLevel::Posyandu).map(|c| c.eq(*id)),
        };
        match matched {
            Some(expr) => Condition::all().add(expr),
            None => nothing(),
        }
    }
}

/// A condition no row satisfies.
pub fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

impl AreaScoped for entity::posyandu::Entity {
    fn area_column(level: AreaLevel) -> Option<Self::Column> {
        use entity::posyandu::Column;
        Some(match level {
            AreaLevel::Provinsi => Column::ProvinceCode,
            AreaLevel::Kabupaten => Column::KabupatenCode,
            AreaLevel::Kecamatan => Column::KecamatanCode,
            AreaLevel::Desa => Column::DesaCode,
            AreaLevel::Puskesmas => Column::PuskesmasId,
            AreaLevel::Posyandu => Column::Id,
        })
    }
}

impl AreaScoped for entity::puskesmas::Entity {
    fn area_column(level: AreaLevel) -> Option<Self::Column> {
        use entity::puskesmas::Column;
        match level {
            AreaLevel::Provinsi => Some(Column::ProvinceCode),
            AreaLevel::Kabupaten => Some(Column::KabupatenCode),
            AreaLevel::Kecamatan => Some(Column::KecamatanCode),
            AreaLevel::Puskesmas => Some(Column::Id),
            AreaLevel::Desa | AreaLevel::Posyandu => None,
        }
    }

    /// People of a desa or posyandu see the puskesmas that serve them.
    fn scope_condition(scope: &AreaScope) -> Condition {
        use entity::puskesmas::Column;
        match scope {
            AreaScope::Desa(code) => Condition::all().add(
                Column::Id.in_subquery(
                    Query::select()
                        .column(entity::puskesmas_desa::Column::PuskesmasId)
                        .from(entity::puskesmas_desa::Entity)
                        .and_where(entity::puskesmas_desa::Column::DesaCode.eq(code.as_str()))
                        .to_owned(),
                ),
            ),
            AreaScope::Posyandu(id) => Condition::all().add(
                Column::Id.in_subquery(
                    Query::select()
                        .column(entity::posyandu::Column::PuskesmasId)
                        .from(entity::posyandu::Entity)
                        .and_where(entity::posyandu::Column::Id.eq(*id))
                        .to_owned(),
                ),
            ),
            other => other.column_condition::<Self>(),
        }
    }
}

macro_rules! area_bound_entity {
    ($entity:path, $column:path) => {
        impl AreaScoped for $entity {
            fn area_column(level: AreaLevel) -> Option<Self::Column> {
                use $column as Column;
                Some(match level {
                    AreaLevel::Provinsi => Column::ProvinceCode,
                    AreaLevel::Kabupaten => Column::KabupatenCode,
                    AreaLevel::Kecamatan => Column::KecamatanCode,
                    AreaLevel::Desa => Column::DesaCode,
                    AreaLevel::Puskesmas => Column::PuskesmasId,
                    AreaLevel::Posyandu => Column::PosyanduId,
                })
            }
        }
    };
}

area_bound_entity!(entity::app_user::Entity, entity::app_user::Column);
area_bound_entity!(entity::api_client::Entity, entity::api_client::Column);
area_bound_entity!(entity::audit_log::Entity, entity::audit_log::Column);
area_bound_entity!(entity::family::Entity, entity::family::Column);
area_bound_entity!(entity::person::Entity, entity::person::Column);
area_bound_entity!(entity::person_event::Entity, entity::person_event::Column);
area_bound_entity!(entity::child::Entity, entity::child::Column);
area_bound_entity!(entity::kader::Entity, entity::kader::Column);
area_bound_entity!(
    entity::institution_post::Entity,
    entity::institution_post::Column
);
area_bound_entity!(
    entity::kader_incentive::Entity,
    entity::kader_incentive::Column
);
area_bound_entity!(entity::weighing::Entity, entity::weighing::Column);
area_bound_entity!(
    entity::inbound_message::Entity,
    entity::inbound_message::Column
);
area_bound_entity!(
    entity::outbox_message::Entity,
    entity::outbox_message::Column
);
area_bound_entity!(entity::pregnancy::Entity, entity::pregnancy::Column);
area_bound_entity!(
    entity::antenatal_contact::Entity,
    entity::antenatal_contact::Column
);
area_bound_entity!(entity::immunisation::Entity, entity::immunisation::Column);
area_bound_entity!(
    entity::vitamin_a_dose::Entity,
    entity::vitamin_a_dose::Column
);
area_bound_entity!(entity::bpjs_change::Entity, entity::bpjs_change::Column);
area_bound_entity!(entity::child_month::Entity, entity::child_month::Column);
area_bound_entity!(
    entity::posyandu_activity::Entity,
    entity::posyandu_activity::Column
);
area_bound_entity!(
    entity::posyandu_health_fund::Entity,
    entity::posyandu_health_fund::Column
);

#[cfg(test)]
mod tests {
    use super::*;

    fn posyandu_in_pemaron(puskesmas: Uuid, posyandu: Uuid) -> Location {
        Location {
            puskesmas: Some(puskesmas),
            posyandu: Some(posyandu),
            ..Location::of_region("51.08.06.2004")
        }
    }

    #[test]
    fn region_locations_come_from_code_prefixes() {
        let location = Location::of_region("51.08.06.2004");
        assert_eq!(location.province.as_deref(), Some("51"));
        assert_eq!(location.kabupaten.as_deref(), Some("51.08"));
        assert_eq!(location.kecamatan.as_deref(), Some("51.08.06"));
        assert_eq!(location.desa.as_deref(), Some("51.08.06.2004"));
        assert_eq!(Location::of_region("51.08").kecamatan, None);
    }

    #[test]
    fn every_level_contains_what_is_below_it_and_nothing_beside_it() {
        let (p, y) = (Uuid::now_v7(), Uuid::now_v7());
        let here = posyandu_in_pemaron(p, y);
        for scope in [
            AreaScope::Nasional,
            AreaScope::Provinsi("51".into()),
            AreaScope::Kabupaten("51.08".into()),
            AreaScope::Kecamatan("51.08.06".into()),
            AreaScope::Desa("51.08.06.2004".into()),
            AreaScope::Puskesmas(p),
            AreaScope::Posyandu(y),
        ] {
            assert!(scope.contains(&here), "{scope:?}");
        }
        for scope in [
            AreaScope::Provinsi("52".into()),
            AreaScope::Kabupaten("51.01".into()),
            AreaScope::Kecamatan("51.08.05".into()),
            AreaScope::Desa("51.08.06.2003".into()),
            AreaScope::Puskesmas(Uuid::now_v7()),
            AreaScope::Posyandu(Uuid::now_v7()),
        ] {
            assert!(!scope.contains(&here), "{scope:?}");
        }
    }

    #[test]
    fn a_lower_area_does_not_contain_a_higher_one() {
        let kecamatan = Location::of_region("51.08.06");
        assert!(!AreaScope::Desa("51.08.06.2004".into()).contains(&kecamatan));
        assert!(AreaScope::Kabupaten("51.08".into()).contains(&kecamatan));
    }

    #[test]
    fn nobody_grants_more_than_they_have() {
        for manager in Role::ALL {
            let own: Vec<Scope> = role_scopes(manager).to_vec();
            for role in grantable_roles(manager) {
                if *role == Role::Admin {
                    assert_eq!(manager, Role::Admin);
                }
                // A created account never has a permission its creator lacks.
                for scope in role_scopes(*role) {
                    assert!(
                        own.contains(scope),
                        "{manager} could grant {role} {scope:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn client_roles_are_not_given_to_people() {
        for manager in Role::ALL {
            assert!(grantable_roles(manager).iter().all(|r| !r.is_client_role()));
        }
    }
}
