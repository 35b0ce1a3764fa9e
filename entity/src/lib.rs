//! The tables of the posyandu system as sea-orm entities.
//!
//! Tables only: queries and rules live in the `api` crate's services and
//! domain modules. Every row that access control or a report filters on
//! carries its area (region codes and, where it has one, the puskesmas and
//! posyandu id), so that a caller's area becomes a plain `WHERE` on the row
//! itself, and a distributed PostgreSQL can shard by province.

pub mod antenatal_contact;
pub mod api_client;
pub mod app_user;
pub mod audit_log;
pub mod bpjs_change;
pub mod child;
pub mod child_month;
pub mod contact_preference;
pub mod counter;
pub mod desa_profile;
pub mod family;
pub mod idempotency_record;
pub mod immunisation;
pub mod inbound_message;
pub mod institution_post;
pub mod kader;
pub mod kader_incentive;
pub mod outbox_event;
pub mod outbox_message;
pub mod outbox_pace;
pub mod person;
pub mod person_event;
pub mod posyandu;
pub mod posyandu_activity;
pub mod posyandu_day_change;
pub mod posyandu_health_fund;
pub mod pregnancy;
pub mod puskesmas;
pub mod puskesmas_desa;
pub mod refresh_token;
pub mod region;
pub mod report_target;
pub mod rtl_item;
pub mod vitamin_a_dose;
pub mod weighing;
