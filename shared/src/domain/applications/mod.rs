//! Online applications (istanze): the services as data, their forms, their legal terms and
//! the states an application goes through.

pub mod catalog;
pub mod due;
pub mod form;
pub mod state;

pub use catalog::{Service, Services};
pub use state::{Action, Role, Rules, State};
