//! Payments through pagoPA: what the comune asks a citizen to pay and how it is asked.

pub mod notice;
