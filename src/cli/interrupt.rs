//! Ctrl-C, SIGTERM and SIGHUP. In a command that writes results (`run`, `compare`, `sweep`),
//! the first signal asks it to stop at the end of the current tick: its temporary folder is
//! removed, an earlier result stays as it was, a sweep keeps its finished runs. A second signal,
//! or any signal in another command, exits at once (a later command cleans up what is left).

use std::sync::atomic::{AtomicBool, Ordering};

/// Raised by the first signal; runs check it every tick.
static STOP: AtomicBool = AtomicBool::new(false);
/// Whether the running command checks [`STOP`].
static COOPERATIVE: AtomicBool = AtomicBool::new(false);

/// The exit code of a command stopped by a signal (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Installs the handler; called once at start.
pub fn install() {
    // Without a handler (an unusual platform) signals keep their default: exit at once.
    let _ = ctrlc::set_handler(|| {
        if COOPERATIVE.load(Ordering::SeqCst) && !STOP.swap(true, Ordering::SeqCst) {
            eprintln!("\nstopping: cleaning up at the end of this tick (again to quit at once)");
        } else {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
}

/// Declares that the running command stops cleanly when [`flag`] is raised, and returns it.
pub fn cooperate() -> &'static AtomicBool {
    COOPERATIVE.store(true, Ordering::SeqCst);
    &STOP
}
