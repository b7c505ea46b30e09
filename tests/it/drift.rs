//! End-to-end drift, plan --refresh and import against the emulator.
