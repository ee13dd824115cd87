//! Command-line flags of the examples (`--name value` or `--name=value`), and the solver
//! that `--device` selects.

use optnet::Solver;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Flags given on the command line, consumed one by one by [`Flags::get`]; whatever is left
/// at [`Flags::finish`] is an unknown flag and an error.
#[derive(Debug)]
pub struct Flags {
    given: BTreeMap<String, String>,
}

impl Flags {
    /// Reads `std::env::args()`. `Ok(None)` means `--help` was asked for and `usage` printed.
    pub fn from_env(usage: &str) -> Result<Option<Flags>, String> {
        Flags::parse(std::env::args().skip(1), usage)
    }

    /// Parses `args` (without the program name).
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        usage: &str,
    ) -> Result<Option<Flags>, String> {
        let mut given = BTreeMap::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                println!("{usage}");
                return Ok(None);
            }
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}`\n\n{usage}"));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let v = args
                        .next()
                        .ok_or_else(|| format!("flag `--{body}` needs a value\n\n{usage}"))?;
                    (body.to_string(), v)
                }
            };
            if given.insert(name.clone(), value).is_some() {
                return Err(format!("flag `--{name}` is given twice"));
            }
        }
        Ok(Some(Flags { given }))
    }

    /// The value of `--name`, or `default` when absent.
    pub fn get<T: FromStr>(&mut self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        match self.given.remove(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|e| format!("flag `--{name}`: cannot read `{v}`: {e}")),
        }
    }

    /// Fails on any flag that no [`Flags::get`] asked for.
    pub fn finish(self, usage: &str) -> Result<(), String> {
        match self.given.keys().next() {
            None => Ok(()),
            Some(name) => Err(format!("unknown flag `--{name}`\n\n{usage}")),
        }
    }
}

/// The solver for `--device`: `cpu` (all cores), `cuda` or `cuda:N` (GPU N, which needs a
/// build with feature `cuda`). A device that cannot be used is an error message, not a panic.
/// A training loop solves its layer's one shape at every step, so a CUDA solver compiles its
/// kernels for that shape at the first step (`Specialization::PerShape`).
pub fn solver_for(device: &str) -> Result<Solver, String> {
    let ordinal = match device {
        "cpu" => return Ok(Solver::cpu()),
        "cuda" => 0,
        other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(ordinal)) => ordinal,
            _ => {
                return Err(format!(
                    "unknown device `{other}` (expected cpu, cuda or cuda:N)"
                ))
            }
        },
    };
    Solver::cuda(ordinal)
        .map(|s| s.with_cuda_specialization(optnet::Specialization::PerShape))
        .map_err(|e| format!("cannot use device `{device}`: {e}"))
}
