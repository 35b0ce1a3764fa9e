//! HTTP handlers, thin: parse, call a service, answer. Each is registered
//! with `utoipa_actix_web`, so every route lands in the OpenAPI document.
pub mod audit;
pub mod auth;
pub mod clients;
pub mod docs;
pub mod fallback;
pub mod health;
pub mod posyandu;
pub mod puskesmas;
pub mod regions;
pub mod users;

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
                .service(audit::list_audit),
        );
}
