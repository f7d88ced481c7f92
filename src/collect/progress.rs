//! One self-rewriting line on stderr while collecting, only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    state: Option<Mutex<State>>,
}

struct State {
    label: String,
    done: usize,
    in_flight: usize,
    last_drawn: Option<Instant>,
}

impl Progress {
    /// Draws on stderr when it is a terminal and `enabled`; otherwise does nothing at all.
    pub fn on_terminal(label: impl Into<String>, enabled: bool) -> Progress {
        let state = (enabled && std::io::stderr().is_terminal()).then(|| {
            Mutex::new(State {
                label: label.into(),
                done: 0,
                in_flight: 0,
                last_drawn: None,
            })
        });
        Progress { state }
    }

    pub fn hidden() -> Progress {
        Progress { state: None }
    }

    pub fn started(&self) {
        self.update(|state| state.in_flight += 1);
    }

    pub fn finished(&self) {
        self.update(|state| {
            state.in_flight = state.in_flight.saturating_sub(1);
            state.done += 1;
        });
    }

    pub fn clear(&self) {
        if self.state.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        let Some(state) = &self.state else { return };
        let Ok(mut state) = state.lock() else { return };
        change(&mut state);
        let due = state
            .last_drawn
            .is_none_or(|at| at.elapsed() >= Duration::from_millis(100));
        if due {
            state.last_drawn = Some(Instant::now());
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K{}: {} AWS calls done, {} in flight",
                state.label,
                state.done,
                state.in_flight
            );
        }
    }
}
