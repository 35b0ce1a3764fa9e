//! HTTP handlers, thin: parse, call a service, answer. Each is registered
//! with `utoipa_actix_web`, so every route lands in the OpenAPI document.
pub mod audit;
pub mod auth;
pub mod children;
pub mod clients;
pub mod docs;
pub mod fallback;
pub mod growth;
pub mod health;
pub mod immunisation;
pub mod kader;
pub mod lokmin;
pub mod messages;
pub mod people;
pub mod population;
pub mod posyandu;
pub mod pregnancies;
pub mod puskesmas;
pub mod regions;
pub mod reports;
pub mod users;
pub mod weighings;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every route of the API.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .service(auth::token)
                .service(auth::revoke)
                .service(auth::me)
                .service(auth::change_password)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user)
                .service(users::update_user)
                .service(users::deactivate_user)
                .service(clients::list_clients)
                .service(clients::create_client)
                .service(clients::get_client)
                .service(clients::revoke_client)
                .service(regions::list_regions)
                .service(regions::get_region)
                .service(puskesmas::list_puskesmas)
                .service(puskesmas::create_puskesmas)
                .service(puskesmas::get_puskesmas)
                .service(puskesmas::update_puskesmas)
                .service(puskesmas::delete_puskesmas)
                .service(posyandu::list_posyandu)
                .service(posyandu::create_posyandu)
                .service(posyandu::get_posyandu)
                .service(posyandu::update_posyandu)
                .service(posyandu::delete_posyandu)
                .service(posyandu::posyandu_schedule)
                .service(posyandu::list_day_changes)
                .service(posyandu::add_day_change)
                .service(posyandu::get_desa)
                .service(posyandu::update_desa)
                .service(people::list_families)
                .service(people::create_family)
                .service(people::get_family)
                .service(people::update_family)
                .service(people::family_members)
                .service(people::list_people)
                .service(people::create_person)
                .service(people::get_person)
                .service(people::update_person)
                .service(people::list_person_events)
                .service(people::add_person_event)
                .service(people::list_person_posts)
                .service(people::add_person_post)
                .service(children::list_children)
                .service(children::create_child)
                .service(children::get_child)
                .service(children::update_child)
                .service(children::list_child_weighings)
                .service(children::create_weighing)
                .service(children::growth_chart)
                // `/weighings/bulk` before `/weighings/{id}`, so it is not read as an id.
                .service(weighings::bulk_weighings)
                .service(weighings::get_weighing)
                .service(weighings::correct_weighing)
                .service(weighings::delete_weighing)
                .service(growth::zscores)
                .service(growth::zscores_batch)
                .service(growth::attention)
                .service(kader::list_kader)
                .service(kader::create_kader)
                .service(kader::get_kader)
                .service(kader::update_kader)
                .service(kader::delete_kader)
                .service(kader::list_incentives)
                .service(kader::add_incentive)
                .service(pregnancies::list_pregnancies)
                .service(pregnancies::create_pregnancy)
                .service(pregnancies::get_pregnancy)
                .service(pregnancies::update_pregnancy)
                .service(pregnancies::close_pregnancy)
                .service(pregnancies::list_contacts)
                .service(pregnancies::add_contact)
                .service(pregnancies::record_birth)
                .service(immunisation::child_immunisations)
                .service(immunisation::record_immunisation)
                .service(immunisation::delete_immunisation)
                .service(immunisation::posyandu_due)
                .service(immunisation::posyandu_vitamin_a)
                .service(immunisation::list_vitamin_a)
                .service(immunisation::record_vitamin_a)
                .service(population::list_newcomers)
                .service(population::register_newcomer)
                .service(population::list_unattached)
                .service(population::list_uninsured)
                .service(population::list_lost_pbi)
                .service(messages::store_inbound)
                .service(messages::claim_messages)
                .service(messages::settle_messages)
                .service(messages::list_messages)
                .service(messages::get_message)
                .service(messages::settle_message)
                .service(messages::release_message)
                .service(messages::rerun_message)
                .service(messages::outbox_stats)
                .service(messages::list_outbox)
                .service(messages::claim_outbox)
                .service(messages::delivery_reports)
                .service(messages::report_outbox_many)
                .service(messages::report_outbox)
                .service(messages::set_contact_preference)
                .service(messages::plan_reminders)
                .service(reports::skdn_report_route)
                .service(reports::skdn_chart)
                .service(reports::nutrition_report)
                .service(reports::nutrition_chart)
                .service(reports::nutrition_cases)
                .service(reports::maternal_report)
                .service(reports::immunisation_report)
                .service(reports::population_report)
                .service(reports::institution_report)
                .service(lokmin::lokmin_pack)
                .service(lokmin::lokmin_coverage_chart)
                .service(lokmin::list_rtl)
                .service(lokmin::create_rtl)
                .service(lokmin::update_rtl)
                .service(lokmin::list_activities)
                .service(lokmin::create_activity)
                .service(lokmin::get_health_fund)
                .service(lokmin::put_health_fund)
                .service(reports::get_targets)
                .service(reports::update_targets)
                .service(audit::list_audit),
        );
}
