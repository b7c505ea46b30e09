//! pudo
