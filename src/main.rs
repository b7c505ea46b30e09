//! The `pudo` binary: runs the library and maps its outcome to an exit code.

/// A plan allocates and frees many small strings and maps (a 10,000-resource
/// plan spent about a quarter of its time in the system allocator);
/// mimalloc makes those cheap. `benches/plan.rs` uses the same allocator so
/// that it measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    pudo::main()
}
