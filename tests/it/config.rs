//! Configuration: validate, render, diff and the bad-input fixtures.
