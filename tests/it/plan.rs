//! Plan output in every format, state store and graph.
