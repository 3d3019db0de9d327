//! The `displace` command line: parses arguments, calls the library, reports, maps errors to
//! exit codes (0 success, 2 bad input or usage, 1 anything else).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
