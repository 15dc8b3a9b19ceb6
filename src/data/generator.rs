//! The seeded, deterministic market generator of the `demo` venue.
