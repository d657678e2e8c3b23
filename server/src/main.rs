//! `emco-server`: runs one bundled EMCO service per process, or all of them in one.

fn main() -> std::process::ExitCode {
    emco_server::cmd::main()
}
