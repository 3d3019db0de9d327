//! The `displace` command line: parses arguments, calls the library, reports, maps errors to
//! exit codes (0 success, 2 bad input or usage, 1 anything else).

mod cli;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    cli::main()
}

/// Calibrations, sweeps and comparisons run many simulations in one process, each allocating
/// and freeing a world's worth of memory on the worker threads. By default glibc hands memory
/// freed at the top of a thread's arena back to the system, and the next simulation faults it
/// in again page by page: a generation of the Ecuador calibration spent 10 s of its 287 s of
/// CPU in the system doing so. Freed memory is kept for reuse instead (up to 1 GiB), and
/// allocations below 32 MiB come from the arenas rather than from fresh mappings.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters, before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
