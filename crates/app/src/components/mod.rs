//! The page's components. Leaf inputs live in [`controls`]; the others lay out results.

pub mod controls;
pub mod embed;
pub mod export_page;
pub mod form;
pub mod gpu;
pub mod hub;
pub mod model;
pub mod result;
pub mod share;
