//! `posyandu`: the all-in-one start, and the subcommands for running at
//! scale and administering an installation.
fn main() -> std::process::ExitCode {
    posyandu_api::cli::main()
}
