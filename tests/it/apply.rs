//! End-to-end apply against the emulator.
