//! The API docs pages the specs are written from: a parser for the three
//! generator flavours in use, `docs-check` (every spec against its page,
//! each difference declared) and `reconstruct` (a draft spec from a page).

pub mod check;
pub mod parse;
pub mod reconstruct;
