//! A batch of QPs, `minimize ½zᵀQz + qᵀz s.t. Az = b, Gz ≤ h`, with each array either
//! shared by the batch or given per example.

use crate::{Error, Real};
use ndarray::{
    Array, ArrayView, ArrayView1, ArrayView2, Axis, CowArray, Dimension, Ix1, Ix2, Ix3, RemoveAxis,
};

/// One array of the QP data: shared by every example (`Shared`, no copies are made) or one
/// per example (`Batched`, with a leading batch axis).
///
/// `Term<T, Ix2>` holds a matrix (Q, A, G): `[n, n]` shared or `[batch, n, n]` batched.
/// `Term<T, Ix1>` holds a vector (q, b, h): `[n]` shared or `[batch, n]` batched.
/// Arrays and array views convert with `.into()`: a matrix-shaped array becomes `Shared`,
/// one with an extra leading axis becomes `Batched`.
///
/// Gradients ([`crate::QpGrad`]) use the same type: a shared array's gradient is the sum
/// over the batch, a batched one's is per example.
#[derive(Clone, Debug)]
pub enum Term<'a, T, D: Dimension> {
    /// One array for the whole batch.
    Shared(CowArray<'a, T, D>),
    /// One array per example, stacked along axis 0.
    Batched(CowArray<'a, T, D::Larger>),
}

impl<'a, T: Clone, D: Dimension> Term<'a, T, D>
where
    D::Larger: RemoveAxis<Smaller = D>,
{
    /// The array of example `i` (the shared array for every `i` when shared).
    pub fn get(&self, i: usize) -> ArrayView<'_, T, D> {
        match self {
            Term::Shared(a) => a.view(),
            Term::Batched(a) => a.index_axis(Axis(0), i),
        }
    }

    /// Whether the array is shared by the batch.
    pub fn is_shared(&self) -> bool {
        matches!(self, Term::Shared(_))
    }

    /// Leading batch dimension, `None` when shared.
    pub fn batch(&self) -> Option<usize> {
        match self {
            Term::Shared(_) => None,
            Term::Batched(a) => Some(a.shape()[0]),
        }
    }

    /// Shape of one example's array.
    pub fn example_shape(&self) -> Vec<usize> {
        match self {
            Term::Shared(a) => a.shape().to_vec(),
            Term::Batched(a) => a.shape()[1..].to_vec(),
        }
    }

    /// The full shape as stored (with the batch axis when batched).
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Term::Shared(a) => a.shape().to_vec(),
            Term::Batched(a) => a.shape().to_vec(),
        }
    }

    /// An owned copy that borrows nothing.
    pub fn into_owned(self) -> Term<'static, T, D> {
        match self {
            Term::Shared(a) => Term::Shared(CowArray::from(a.into_owned())),
            Term::Batched(a) => Term::Batched(CowArray::from(a.into_owned())),
        }
    }

    /// A borrowed view of this term.
    pub fn view(&self) -> Term<'_, T, D> {
        match self {
            Term::Shared(a) => Term::Shared(CowArray::from(a.view())),
            Term::Batched(a) => Term::Batched(CowArray::from(a.view())),
        }
    }

    /// The owned shared array, if shared.
    pub fn shared(&self) -> Option<ArrayView<'_, T, D>> {
        match self {
            Term::Shared(a) => Some(a.view()),
            Term::Batched(_) => None,
        }
    }

    /// The batched array, if batched.
    pub fn batched(&self) -> Option<ArrayView<'_, T, D::Larger>> {
        match self {
            Term::Shared(_) => None,
            Term::Batched(a) => Some(a.view()),
        }
    }
}

macro_rules! term_from {
    ($small:ty, $large:ty) => {
        impl<'a, T> From<Array<T, $small>> for Term<'a, T, $small> {
            fn from(a: Array<T, $small>) -> Self {
                Term::Shared(CowArray::from(a))
            }
        }
        impl<'a, T> From<Array<T, $large>> for Term<'a, T, $small> {
            fn from(a: Array<T, $large>) -> Self {
                Term::Batched(CowArray::from(a))
            }
        }
        impl<'a, T> From<ArrayView<'a, T, $small>> for Term<'a, T, $small> {
            fn from(a: ArrayView<'a, T, $small>) -> Self {
                Term::Shared(CowArray::from(a))
            }
        }
        impl<'a, T> From<ArrayView<'a, T, $large>> for Term<'a, T, $small> {
            fn from(a: ArrayView<'a, T, $large>) -> Self {
                Term::Batched(CowArray::from(a))
            }
        }
        impl<'a, T> From<&'a Array<T, $small>> for Term<'a, T, $small> {
            fn from(a: &'a Array<T, $small>) -> Self {
                Term::Shared(CowArray::from(a.view()))
            }
        }
        impl<'a, T> From<&'a Array<T, $large>> for Term<'a, T, $small> {
            fn from(a: &'a Array<T, $large>) -> Self {
                Term::Batched(CowArray::from(a.view()))
            }
        }
    };
}
term_from!(Ix1, Ix2);
term_from!(Ix2, Ix3);

/// A validated batch of convex QPs
///
/// ```text
/// minimize ½zᵀQz + qᵀz   subject to  Az = b,  Gz ≤ h          (OptNet eq. 2)
/// ```
///
/// with n variables, m equalities and p inequalities (m = 0 and p = 0 allowed). Build it
/// with [`QpBatch::builder`]; `build` checks shapes, batch sizes, finiteness, symmetry of Q
/// and (unless disabled) positive semi-definiteness of Q, and reports the first problem as a
/// typed [`Error`].
#[derive(Clone, Debug)]
pub struct QpBatch<'a, T> {
    pub(crate) batch: usize,
    pub(crate) n: usize,
    pub(crate) m: usize,
    pub(crate) p: usize,
    pub(crate) Q: Term<'a, T, Ix2>,
    pub(crate) q: Term<'a, T, Ix1>,
    pub(crate) A: Option<Term<'a, T, Ix2>>,
    pub(crate) b: Option<Term<'a, T, Ix1>>,
    pub(crate) G: Option<Term<'a, T, Ix2>>,
    pub(crate) h: Option<Term<'a, T, Ix1>>,
}

/// One example's data, borrowed from a [`QpBatch`]. Absent constraints are empty arrays.
#[derive(Clone, Debug)]
pub struct Example<'b, T> {
    /// `[n, n]`
    pub Q: ArrayView2<'b, T>,
    /// `[n]`
    pub q: ArrayView1<'b, T>,
    /// `[m, n]`
    pub A: ArrayView2<'b, T>,
    /// `[m]`
    pub b: ArrayView1<'b, T>,
    /// `[p, n]`
    pub G: ArrayView2<'b, T>,
    /// `[p]`
    pub h: ArrayView1<'b, T>,
}

impl<'a, T: Real> QpBatch<'a, T> {
    /// Starts a builder.
    pub fn builder() -> QpBatchBuilder<'a, T> {
        QpBatchBuilder::default()
    }

    /// Number of examples.
    pub fn batch(&self) -> usize {
        self.batch
    }
    /// Number of variables n.
    pub fn n(&self) -> usize {
        self.n
    }
    /// Number of equality constraints m.
    pub fn m(&self) -> usize {
        self.m
    }
    /// Number of inequality constraints p.
    pub fn p(&self) -> usize {
        self.p
    }
    /// Q, `[n, n]` or `[batch, n, n]`.
    pub fn Q(&self) -> &Term<'a, T, Ix2> {
        &self.Q
    }
    /// q, `[n]` or `[batch, n]`.
    pub fn q(&self) -> &Term<'a, T, Ix1> {
        &self.q
    }
    /// A, if there are equality constraints.
    pub fn A(&self) -> Option<&Term<'a, T, Ix2>> {
        self.A.as_ref()
    }
    /// b, if there are equality constraints.
    pub fn b(&self) -> Option<&Term<'a, T, Ix1>> {
        self.b.as_ref()
    }
    /// G, if there are inequality constraints.
    pub fn G(&self) -> Option<&Term<'a, T, Ix2>> {
        self.G.as_ref()
    }
    /// h, if there are inequality constraints.
    pub fn h(&self) -> Option<&Term<'a, T, Ix1>> {
        self.h.as_ref()
    }

    /// The data of example `i` (`i < batch`).
    pub fn example(&self, i: usize) -> Example<'_, T> {
        let (n, m, p) = (self.n, self.m, self.p);
        let empty2 = |r: usize| ArrayView2::from_shape((r, n), &[]).expect("empty view");
        let empty1 = || ArrayView1::from_shape(0, &[]).expect("empty view");
        Example {
            Q: self.Q.get(i),
            q: self.q.get(i),
            A: self.A.as_ref().map_or_else(|| empty2(m), |t| t.get(i)),
            b: self.b.as_ref().map_or_else(empty1, |t| t.get(i)),
            G: self.G.as_ref().map_or_else(|| empty2(p), |t| t.get(i)),
            h: self.h.as_ref().map_or_else(empty1, |t| t.get(i)),
        }
    }

    /// A copy that owns all its data.
    pub fn into_owned(self) -> QpBatch<'static, T> {
        QpBatch {
            batch: self.batch,
            n: self.n,
            m: self.m,
            p: self.p,
            Q: self.Q.into_owned(),
            q: self.q.into_owned(),
            A: self.A.map(Term::into_owned),
            b: self.b.map(Term::into_owned),
            G: self.G.map(Term::into_owned),
            h: self.h.map(Term::into_owned),
        }
    }
}

/// Builder of a [`QpBatch`]: set Q and q (required), A and b, G and h (optional, in pairs),
/// and optionally the batch size (needed only when every array is shared).
#[derive(Clone, Debug)]
pub struct QpBatchBuilder<'a, T> {
    batch: Option<usize>,
    Q: Option<Term<'a, T, Ix2>>,
    q: Option<Term<'a, T, Ix1>>,
    A: Option<Term<'a, T, Ix2>>,
    b: Option<Term<'a, T, Ix1>>,
    G: Option<Term<'a, T, Ix2>>,
    h: Option<Term<'a, T, Ix1>>,
    check_psd: bool,
}

impl<T> Default for QpBatchBuilder<'_, T> {
    fn default() -> Self {
        QpBatchBuilder {
            batch: None,
            Q: None,
            q: None,
            A: None,
            b: None,
            G: None,
            h: None,
            check_psd: true,
        }
    }
}

impl<'a, T: Real> QpBatchBuilder<'a, T> {
    /// Quadratic term Q (symmetric PSD): `[n, n]` shared or `[batch, n, n]`.
    pub fn Q(mut self, Q: impl Into<Term<'a, T, Ix2>>) -> Self {
        self.Q = Some(Q.into());
        self
    }
    /// Linear term q: `[n]` shared or `[batch, n]`.
    pub fn q(mut self, q: impl Into<Term<'a, T, Ix1>>) -> Self {
        self.q = Some(q.into());
        self
    }
    /// Equality matrix A: `[m, n]` or `[batch, m, n]`.
    pub fn A(mut self, A: impl Into<Term<'a, T, Ix2>>) -> Self {
        self.A = Some(A.into());
        self
    }
    /// Equality right-hand side b: `[m]` or `[batch, m]`.
    pub fn b(mut self, b: impl Into<Term<'a, T, Ix1>>) -> Self {
        self.b = Some(b.into());
        self
    }
    /// Inequality matrix G: `[p, n]` or `[batch, p, n]`.
    pub fn G(mut self, G: impl Into<Term<'a, T, Ix2>>) -> Self {
        self.G = Some(G.into());
        self
    }
    /// Inequality right-hand side h: `[p]` or `[batch, p]`.
    pub fn h(mut self, h: impl Into<Term<'a, T, Ix1>>) -> Self {
        self.h = Some(h.into());
        self
    }
    /// Number of examples; required only when every array is shared.
    pub fn batch_size(mut self, batch: usize) -> Self {
        self.batch = Some(batch);
        self
    }
    /// Whether `build` checks that Q is positive semi-definite (default true). Callers that
    /// build Q as LLᵀ + εI can skip the check.
    pub fn check_psd(mut self, check: bool) -> Self {
        self.check_psd = check;
        self
    }

    /// Validates and builds the batch.
    pub fn build(self) -> Result<QpBatch<'a, T>, Error> {
        let Q = self
            .Q
            .ok_or_else(|| Error::Missing("the quadratic term Q is required".into()))?;
        let q = self
            .q
            .ok_or_else(|| Error::Missing("the linear term q is required".into()))?;
        match (&self.A, &self.b) {
            (Some(_), None) => return Err(Error::Missing("A is given without b".into())),
            (None, Some(_)) => return Err(Error::Missing("b is given without A".into())),
            _ => {}
        }
        match (&self.G, &self.h) {
            (Some(_), None) => return Err(Error::Missing("G is given without h".into())),
            (None, Some(_)) => return Err(Error::Missing("h is given without G".into())),
            _ => {}
        }
        // n from q.
        let n = q.example_shape()[0];
        let expect = |name: &'static str, t: &[usize], want: &[usize], words: String| {
            if t != want {
                Err(Error::Shape {
                    array: name,
                    expected: words,
                    found: t.to_vec(),
                })
            } else {
                Ok(())
            }
        };
        expect(
            "Q",
            &Q.example_shape(),
            &[n, n],
            format!("[n, n] or [batch, n, n] with n = {n} (the length of q)"),
        )?;
        let m = self.A.as_ref().map_or(0, |A| A.example_shape()[0]);
        if let Some(A) = &self.A {
            expect(
                "A",
                &A.example_shape(),
                &[m, n],
                format!("[m, n] or [batch, m, n] with n = {n}"),
            )?;
        }
        if let Some(b) = &self.b {
            expect(
                "b",
                &b.example_shape(),
                &[m],
                format!("[m] or [batch, m] with m = {m} (the rows of A)"),
            )?;
        }
        let p = self.G.as_ref().map_or(0, |G| G.example_shape()[0]);
        if let Some(G) = &self.G {
            expect(
                "G",
                &G.example_shape(),
                &[p, n],
                format!("[p, n] or [batch, p, n] with n = {n}"),
            )?;
        }
        if let Some(h) = &self.h {
            expect(
                "h",
                &h.example_shape(),
                &[p],
                format!("[p] or [batch, p] with p = {p} (the rows of G)"),
            )?;
        }
        // Batch size: every batched array must agree, and with the explicit one.
        let mut batch = self.batch;
        let mut agree = |name: &'static str, b: Option<usize>| -> Result<(), Error> {
            if let Some(b) = b {
                match batch {
                    None => batch = Some(b),
                    Some(expected) if expected != b => {
                        return Err(Error::BatchSize {
                            array: name,
                            expected,
                            found: b,
                        });
                    }
                    _ => {}
                }
            }
            Ok(())
        };
        agree("Q", Q.batch())?;
        agree("q", q.batch())?;
        agree("A", self.A.as_ref().and_then(Term::batch))?;
        agree("b", self.b.as_ref().and_then(Term::batch))?;
        agree("G", self.G.as_ref().and_then(Term::batch))?;
        agree("h", self.h.as_ref().and_then(Term::batch))?;
        let batch = batch.unwrap_or(1);

        check_finite("Q", &Q)?;
        check_finite("q", &q)?;
        if let Some(A) = &self.A {
            check_finite("A", A)?;
        }
        if let Some(b) = &self.b {
            check_finite("b", b)?;
        }
        if let Some(G) = &self.G {
            check_finite("G", G)?;
        }
        if let Some(h) = &self.h {
            check_finite("h", h)?;
        }
        let examples = match &Q {
            Term::Shared(_) => 1,
            Term::Batched(_) => batch,
        };
        for e in 0..examples {
            let Qe = Q.get(e);
            let label = if Q.is_shared() { None } else { Some(e) };
            check_symmetric(Qe, label)?;
            if self.check_psd {
                <T as crate::scalar::Sealed>::check_psd(Qe, label)?;
            }
        }
        let (A, b) = if m == 0 {
            (None, None)
        } else {
            (self.A, self.b)
        };
        let (G, h) = if p == 0 {
            (None, None)
        } else {
            (self.G, self.h)
        };
        Ok(QpBatch {
            batch,
            n,
            m,
            p,
            Q,
            q,
            A,
            b,
            G,
            h,
        })
    }
}

fn check_finite<T: Real, D: Dimension>(name: &'static str, t: &Term<'_, T, D>) -> Result<(), Error>
where
    D::Larger: RemoveAxis<Smaller = D>,
{
    let (arr, batched) = match t {
        Term::Shared(a) => (a.view().into_dyn(), false),
        Term::Batched(a) => (a.view().into_dyn(), true),
    };
    if arr.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    for (idx, &v) in arr.indexed_iter() {
        if !v.is_finite() {
            let idx = idx.slice().to_vec();
            let (example, index) = if batched {
                (Some(idx[0]), idx[1..].to_vec())
            } else {
                (None, idx)
            };
            return Err(Error::NonFinite {
                array: name,
                example,
                index,
                value: format!("{v}"),
            });
        }
    }
    Ok(())
}

/// Q must be symmetric to within √ε of its largest entry.
fn check_symmetric<T: Real>(Q: ArrayView2<'_, T>, example: Option<usize>) -> Result<(), Error> {
    let n = Q.nrows();
    let scale = Q.iter().fold(T::zero(), |acc, &x| acc.max(x.abs()));
    let tol = T::epsilon().sqrt() * scale.max(T::min_positive_value());
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (Q[[i, j]], Q[[j, i]]);
            if (a - b).abs() > tol {
                return Err(Error::Asymmetric {
                    example,
                    i,
                    j,
                    qij: a.to64(),
                    qji: b.to64(),
                });
            }
        }
    }
    Ok(())
}
