//! For development and tests only: the demo program, the program generator and scratch
//! databases. Features never import it; the server binary and the tests do.

pub mod generate;
pub mod scratch;
pub mod seed;
