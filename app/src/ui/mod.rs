//! Shared presentational components: layout, tables, badges, times. No server functions here.

pub mod auth_card;
pub mod badge;
pub mod dialog;
pub mod field;
pub mod form_outcome;
pub mod icons;
pub mod layout;
pub mod list_filters;
pub mod load;
pub mod list_table;
pub mod menu;
pub mod number;
pub mod page_header;
pub mod pager;
pub mod query;
pub mod search_field;
pub mod table;
pub mod time;
pub mod toast;
