//! 命令行: the `powerdesk` commands of CONTRACTS.md.
