//! 存储: the sled-backed repository (implements `domain::ports::Repository`).
