//! 编译界限: fuel and the deadline only start once a module runs; compiling it is bounded here.
//! Before Cranelift sees a module, its structure is read (wasmparser, no validation, linear in
//! its size) and refused if a function nests blocks too deeply, is too large, declares too many
//! locals, or the component holds too many functions (a 1 MB module of nested blocks took 84 s
//! and 590 MB to compile). Compilation itself then runs on a thread of its own under a
//! deadline: past it the load is refused and the compile's result abandoned.

use std::time::Duration;

use wasmparser::{Operator, Parser, Payload};

/// What a module may be made of before it is compiled, and how long compiling may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileBounds {
    /// Deepest nesting of blocks, loops and ifs in one function.
    pub max_nesting: u32,
    /// Largest function body, in bytes.
    pub max_function_bytes: u64,
    /// Most functions (with bodies) in all of the component's core modules together.
    pub max_functions: u64,
    /// Most locals declared by one function.
    pub max_locals: u64,
    /// Wall-clock bound of one module's compilation (a cached module is not compiled).
    pub deadline: Duration,
}

impl Default for CompileBounds {
    fn default() -> Self {
        CompileBounds {
            max_nesting: 4_096,
            max_function_bytes: 2 << 20,
            max_functions: 100_000,
            max_locals: 50_000,
            deadline: Duration::from_secs(60),
        }
    }
}

/// Why a module's structure is refused: the bound it exceeds, named, and where.
pub fn check_structure(bytes: &[u8], bounds: &CompileBounds) -> Result<(), String> {
    let mut functions = 0u64;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("not a valid component: {e}"))?;
        let Payload::CodeSectionEntry(body) = payload else {
            continue;
        };
        functions += 1;
        if functions > bounds.max_functions {
            return Err(format!(
                "more than {} functions (compile bound max_functions)",
                bounds.max_functions
            ));
        }
        let n = functions - 1;
        let size = body.range().end - body.range().start;
        if size > bounds.max_function_bytes {
            return Err(format!(
                "function #{n} is {size} bytes, more than the compile bound of {} bytes per function",
                bounds.max_function_bytes
            ));
        }
        let mut locals = 0u64;
        for group in body
            .get_locals_reader()
            .map_err(|e| format!("not a valid component: {e}"))?
        {
            let (count, _) = group.map_err(|e| format!("not a valid component: {e}"))?;
            locals += u64::from(count);
        }
        if locals > bounds.max_locals {
            return Err(format!(
                "function #{n} declares {locals} locals, more than the compile bound of {}",
                bounds.max_locals
            ));
        }
        let mut ops = body
            .get_operators_reader()
            .map_err(|e| format!("not a valid component: {e}"))?;
        let mut depth = 0u32;
        while !ops.eof() {
            match ops
                .read()
                .map_err(|e| format!("not a valid component: {e}"))?
            {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::Try { .. }
                | Operator::TryTable { .. } => {
                    depth += 1;
                    if depth > bounds.max_nesting {
                        return Err(format!(
                            "function #{n} nests blocks more than {} deep (compile bound max_nesting)",
                            bounds.max_nesting
                        ));
                    }
                }
                Operator::End => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Run `compile` on a thread of its own and wait at most `deadline` for it. Past the deadline the
/// error names the bound; the thread is left to finish on its own and its result is dropped.
pub fn with_deadline<T: Send + 'static>(
    deadline: Duration,
    compile: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("policy-compile".into())
        .spawn(move || {
            let _ = tx.send(compile());
        })
        .map_err(|e| format!("cannot start the compiler thread: {e}"))?;
    match rx.recv_timeout(deadline) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "compiling took longer than the compile bound of {} s and was abandoned; simplify the module (smaller functions, shallower nesting)",
            deadline.as_secs_f64()
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err("the compiler thread stopped without a result".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Vec<u8> {
        let body = "(block ".repeat(depth) + &")".repeat(depth);
        wat::parse_str(format!("(module (func {body}))")).unwrap()
    }

    #[test]
    fn nesting_over_the_bound_is_refused_naming_it() {
        let bounds = CompileBounds {
            max_nesting: 100,
            ..CompileBounds::default()
        };
        assert!(check_structure(&nested(100), &bounds).is_ok());
        let e = check_structure(&nested(101), &bounds).unwrap_err();
        assert!(e.contains("more than 100 deep"), "{e}");
    }

    #[test]
    fn a_function_over_the_size_bound_is_refused() {
        let bounds = CompileBounds {
            max_function_bytes: 64,
            ..CompileBounds::default()
        };
        let e = check_structure(&nested(40), &bounds).unwrap_err();
        assert!(e.contains("compile bound of 64 bytes"), "{e}");
    }

    #[test]
    fn a_compile_past_its_deadline_is_abandoned() {
        let e = with_deadline(Duration::from_millis(10), || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        })
        .unwrap_err();
        assert!(e.contains("compile bound of 0.01 s"), "{e}");
        assert_eq!(with_deadline(Duration::from_secs(5), || Ok(7)), Ok(7));
    }
}
