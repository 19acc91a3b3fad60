//! Each service's auth glue for the command line: how its client is built
//! and how it logs in, out and refreshes (`crate::auth::Service`). The rest
//! of its commands is generated from its spec.

pub mod giantswarm;
pub mod glowmarkt;
pub mod kleister;
pub mod nuextract;
pub mod svix;
