//! Reading a QP file (the project's `.npz` format) for the tests: arrays `Q q` and
//! optionally `A b`, `G h`, each with a leading batch axis.

use ndarray::{Array2, Array3};
use ndarray_npy::NpzReader;
use std::io::{Read, Seek};

/// The arrays of a QP file, batch axis kept (`[batch, …]`); absent pairs are `None`.
pub struct QpFile {
    pub Q: Array3<f64>,
    pub q: Array2<f64>,
    pub A: Option<(Array3<f64>, Array2<f64>)>,
    pub G: Option<(Array3<f64>, Array2<f64>)>,
}

/// Reads a QP file. Any malformed input (not a zip, not `.npy`, wrong dtype or rank, a
/// missing array) is an `Err` with a message, never a panic.
pub fn read_qp<R: Read + Seek>(reader: R) -> Result<QpFile, String> {
    let mut npz = NpzReader::new(reader).map_err(|e| format!("not an npz archive: {e}"))?;
    let names = npz
        .names()
        .map_err(|e| format!("unreadable archive: {e}"))?;
    let has = |k: &str| names.iter().any(|x| x == k);
    let mat =
        |npz: &mut NpzReader<R>, k: &str| -> Result<Array3<f64>, String> { read_as_f64(npz, k) };
    let vec =
        |npz: &mut NpzReader<R>, k: &str| -> Result<Array2<f64>, String> { read_as_f64(npz, k) };
    if !has("Q") || !has("q") {
        return Err("arrays `Q` and `q` are required".into());
    }
    let Q = mat(&mut npz, "Q")?;
    let q = vec(&mut npz, "q")?;
    let pair = |npz: &mut NpzReader<R>, M: &str, v: &str| -> Result<_, String> {
        match (has(M), has(v)) {
            (true, true) => Ok(Some((mat(npz, M)?, vec(npz, v)?))),
            (false, false) => Ok(None),
            _ => Err(format!("`{M}` and `{v}` must be given together")),
        }
    };
    let A = pair(&mut npz, "A", "b")?;
    let G = pair(&mut npz, "G", "h")?;
    Ok(QpFile { Q, q, A, G })
}

/// Reads array `name` of rank `D` and converts it to `f64`: NumPy writes all-integer data
/// (a zero `q`, an integral `b`) with an integer dtype, so every real and integer dtype is
/// accepted. The first dtype that matches the header wins; any other failure is reported.
fn read_as_f64<R: Read + Seek, D: ndarray::Dimension>(
    npz: &mut NpzReader<R>,
    name: &str,
) -> Result<ndarray::Array<f64, D>, String> {
    macro_rules! try_as {
        ($($t:ty),*) => {$(
            match npz.by_name::<ndarray::OwnedRepr<$t>, D>(name) {
                Ok(a) => return Ok(a.mapv(|x| x as f64)),
                Err(ndarray_npy::ReadNpzError::Npy(ndarray_npy::ReadNpyError::WrongDescriptor(_))) => {}
                Err(e) => return Err(format!("array `{name}`: {e}")),
            }
        )*};
    }
    try_as!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);
    match npz.by_name::<ndarray::OwnedRepr<bool>, D>(name) {
        Ok(a) => Ok(a.mapv(|x| if x { 1.0 } else { 0.0 })),
        Err(e) => Err(format!("array `{name}`: {e}")),
    }
}

/// Reads a QP file from disk.
pub fn read_qp_file(path: &std::path::Path) -> Result<QpFile, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_qp(std::io::BufReader::new(f))
}
