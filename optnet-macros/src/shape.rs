//! Symbolic sizes and shapes.
//!
//! A size is an integer polynomial in the layer's size arguments (`n - 1`, `2 * n`,
//! `n * m`); two sizes are equal when their normalized polynomials are. A shape is a
//! scalar, a column vector `[k]`, a row vector (the transpose of a vector) or a matrix.

use std::collections::BTreeMap;
use std::fmt;

/// An integer polynomial in the size arguments: monomial (sorted names) → coefficient.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub BTreeMap<Vec<String>, i64>);

impl Size {
    /// The constant `c`.
    pub fn int(c: i64) -> Size {
        let mut m = BTreeMap::new();
        if c != 0 {
            m.insert(Vec::new(), c);
        }
        Size(m)
    }

    /// The size argument `name`.
    pub fn var(name: &str) -> Size {
        let mut m = BTreeMap::new();
        m.insert(vec![name.to_string()], 1);
        Size(m)
    }

    /// The value, when the size does not depend on any argument.
    pub fn constant(&self) -> Option<i64> {
        match self.0.len() {
            0 => Some(0),
            1 => self.0.get(&Vec::new()).copied(),
            _ => None,
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Size) -> Size {
        let mut m = self.0.clone();
        for (k, v) in &other.0 {
            let e = m.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(*v);
        }
        m.retain(|_, v| *v != 0);
        Size(m)
    }

    /// `self - other`.
    pub fn sub(&self, other: &Size) -> Size {
        self.add(&other.scale(-1))
    }

    /// `c · self`.
    pub fn scale(&self, c: i64) -> Size {
        let mut m: BTreeMap<_, _> = self
            .0
            .iter()
            .map(|(k, v)| (k.clone(), v.saturating_mul(c)))
            .collect();
        m.retain(|_, v| *v != 0);
        Size(m)
    }

    /// `self · other`.
    pub fn mul(&self, other: &Size) -> Size {
        let mut out = Size::default();
        for (ka, va) in &self.0 {
            for (kb, vb) in &other.0 {
                let mut k: Vec<String> = ka.iter().chain(kb).cloned().collect();
                k.sort();
                out = out.add(&Size([(k, va.saturating_mul(*vb))].into_iter().collect()));
            }
        }
        out
    }

    /// Whether this is the constant 1.
    pub fn is_one(&self) -> bool {
        self.constant() == Some(1)
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "0");
        }
        // Highest degree first, the constant last: `n - 1`, `2 * n * m + n`.
        let mut terms: Vec<_> = self.0.iter().collect();
        terms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        for (i, (mono, &c)) in terms.iter().enumerate() {
            let (sign, mag) = if c < 0 { ("-", -c) } else { ("+", c) };
            if i == 0 {
                if c < 0 {
                    write!(f, "-")?;
                }
            } else {
                write!(f, " {sign} ")?;
            }
            let mut parts: Vec<String> = Vec::new();
            if mag != 1 || mono.is_empty() {
                parts.push(mag.to_string());
            }
            parts.extend(mono.iter().cloned());
            write!(f, "{}", parts.join(" * "))?;
        }
        Ok(())
    }
}

/// The shape of an expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A number.
    Scalar,
    /// A column vector `[k]`.
    Vector(Size),
    /// A row vector `[k].T`.
    Row(Size),
    /// A matrix `[k, l]`.
    Matrix(Size, Size),
}

impl Shape {
    /// Rows and columns when laid out as a 2-D array (a vector is a column).
    pub fn dims(&self) -> (Size, Size) {
        match self {
            Shape::Scalar => (Size::int(1), Size::int(1)),
            Shape::Vector(k) => (k.clone(), Size::int(1)),
            Shape::Row(k) => (Size::int(1), k.clone()),
            Shape::Matrix(r, c) => (r.clone(), c.clone()),
        }
    }

    /// Number of entries.
    pub fn numel(&self) -> Size {
        let (r, c) = self.dims();
        r.mul(&c)
    }

    /// The transposed shape.
    pub fn transpose(&self) -> Shape {
        match self {
            Shape::Scalar => Shape::Scalar,
            Shape::Vector(k) => Shape::Row(k.clone()),
            Shape::Row(k) => Shape::Vector(k.clone()),
            Shape::Matrix(r, c) => Shape::Matrix(c.clone(), r.clone()),
        }
    }

    /// The shape of a 2-D block `rows × cols`, named the way the DSL names it.
    pub fn from_dims(r: Size, c: Size) -> Shape {
        match (r.is_one(), c.is_one()) {
            (true, true) => Shape::Scalar,
            (false, true) => Shape::Vector(r),
            (true, false) => Shape::Row(c),
            (false, false) => Shape::Matrix(r, c),
        }
    }

    /// Whether this is a scalar.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Shape::Scalar)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Scalar => write!(f, "scalar"),
            Shape::Vector(k) => write!(f, "[{k}]"),
            Shape::Row(k) => write!(f, "[{k}].T"),
            Shape::Matrix(r, c) => write!(f, "[{r}, {c}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_compare_as_polynomials() {
        let n = Size::var("n");
        let m = Size::var("m");
        assert_eq!(n.add(&m).sub(&n), m);
        assert_eq!(n.mul(&m), m.mul(&n));
        assert_ne!(n, n.sub(&Size::int(1)));
        assert_eq!(n.sub(&Size::int(1)).to_string(), "n - 1");
        assert_eq!(n.mul(&m).scale(2).add(&n).to_string(), "2 * m * n + n");
        assert_eq!(Size::int(3).to_string(), "3");
    }

    #[test]
    fn shapes_print_like_declarations() {
        let n = Size::var("n");
        assert_eq!(Shape::Matrix(n.clone(), n.clone()).to_string(), "[n, n]");
        assert_eq!(Shape::Vector(n.clone()).transpose().to_string(), "[n].T");
    }
}
