//! The in-app help page, `/user-management`: the product's help text.

pub mod page;
