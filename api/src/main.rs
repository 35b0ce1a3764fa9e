//! `posyandu`: the all-in-one start, and the subcommands for running at
//! scale and administering an installation.

/// mimalloc instead of the system allocator: under load the server spends
/// a fifth of its time in glibc's malloc and its lock (measured with
/// `perf` during the chat load test).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    posyandu_api::cli::main()
}
