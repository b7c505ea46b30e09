//! The `pudo` binary: runs the library and maps its outcome to an exit code.

fn main() -> std::process::ExitCode {
    pudo::main()
}
