//! The ratatui workstation: renders `Snapshot`s, sends `Command`s.
