//! 控制台: the ratatui operator console.
