//! The API docs pages the specs are written from: a parser for the three
//! generator flavours in use, the checked-in snapshot of each spec's page
//! (`specs/docs/<service>.json`), `docs-check` (every spec against its
//! snapshot, each difference declared; with the pages at hand, every
//! snapshot against its page) and `reconstruct` (a draft spec from a page).

pub mod check;
pub mod parse;
pub mod reconstruct;
pub mod snapshot;
