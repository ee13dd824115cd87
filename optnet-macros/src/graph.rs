//! The data graph: every array the canonical QP is built from, as a DAG of operations on
//! params, inputs and constants. Each node is a 2-D array (a scalar is `1 × 1`, a vector
//! a column). Nodes are interned, so the same sub-expression is computed once, and the
//! constructors apply a few algebraic identities (`I·X = X`, `−(−X) = X`, …) so that the
//! generated code does no work a person would not write by hand.
//!
//! Code generation evaluates nodes in index order (children always come first) and runs
//! their vector-Jacobian products in reverse order.

use crate::shape::Size;
use std::collections::HashMap;

/// Index of a node.
pub type NodeId = usize;

/// An operation. Every operand is a node id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// The param with this declaration index.
    Param(usize),
    /// The input with this declaration index (one value per example).
    Input(usize),
    /// A number (its `f64` bits, so that the op can be hashed).
    Lit(u64),
    /// The identity of this size.
    Eye(Size),
    /// All ones (the node's rows and columns).
    Ones,
    /// All zeros.
    Zeros,
    /// `−a`
    Neg(NodeId),
    /// `a + b`
    Add(NodeId, NodeId),
    /// `a − b`
    Sub(NodeId, NodeId),
    /// Matrix product `a b`.
    MatMul(NodeId, NodeId),
    /// `s · a` with `s` a `1 × 1` node.
    Scale(NodeId, NodeId),
    /// `aᵀ`
    T(NodeId),
    /// Elementwise `1 / a`.
    Recip(NodeId),
    /// Elementwise `exp(a)`.
    Exp(NodeId),
    /// Elementwise `|a|`.
    Abs(NodeId),
    /// Elementwise `max(a, 0)`.
    Pos(NodeId),
    /// Sum of all entries (`1 × 1`).
    Sum(NodeId),
    /// Sum of squares of all entries (`1 × 1`).
    SumSq(NodeId),
    /// The entries of `a` in row-major order as a column.
    Vec(NodeId),
    /// Blocks on top of each other.
    VStack(Vec<NodeId>),
    /// Blocks side by side.
    HStack(Vec<NodeId>),
}

/// A node: its operation, its 2-D size, and whether it varies per example.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    /// The operation.
    pub op: Op,
    /// Rows.
    pub rows: Size,
    /// Columns.
    pub cols: Size,
    /// Depends on an input: one value per example.
    pub batched: bool,
    /// Depends on a param or an input: gradients flow through it.
    pub grad: bool,
}

/// The DAG.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Nodes in evaluation order.
    pub nodes: Vec<Node>,
    index: HashMap<(Op, Size, Size), NodeId>,
}

fn lit_of(bits: u64) -> f64 {
    f64::from_bits(bits)
}

impl Graph {
    fn intern(&mut self, op: Op, rows: Size, cols: Size) -> NodeId {
        let key = (op.clone(), rows.clone(), cols.clone());
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let kids = children(&op);
        let batched = matches!(op, Op::Input(_)) || kids.iter().any(|&k| self.nodes[k].batched);
        let grad =
            matches!(op, Op::Input(_) | Op::Param(_)) || kids.iter().any(|&k| self.nodes[k].grad);
        self.nodes.push(Node {
            op,
            rows,
            cols,
            batched,
            grad,
        });
        self.index.insert(key, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// Rows and columns of a node.
    pub fn dims(&self, a: NodeId) -> (Size, Size) {
        (self.nodes[a].rows.clone(), self.nodes[a].cols.clone())
    }

    fn op(&self, a: NodeId) -> &Op {
        &self.nodes[a].op
    }

    /// The literal value of `a`, if it is a number.
    pub fn lit_value(&self, a: NodeId) -> Option<f64> {
        match self.op(a) {
            Op::Lit(b) => Some(lit_of(*b)),
            _ => None,
        }
    }

    /// A leaf for a param or an input.
    pub fn leaf(&mut self, op: Op, rows: Size, cols: Size) -> NodeId {
        self.intern(op, rows, cols)
    }

    /// The number `v`.
    pub fn lit(&mut self, v: f64) -> NodeId {
        let v = if v == 0.0 { 0.0 } else { v }; // one zero, not two
        self.intern(Op::Lit(v.to_bits()), Size::int(1), Size::int(1))
    }

    /// The `k × k` identity.
    pub fn eye(&mut self, k: Size) -> NodeId {
        self.intern(Op::Eye(k.clone()), k.clone(), k)
    }

    /// All ones, `r × c`.
    pub fn ones(&mut self, r: Size, c: Size) -> NodeId {
        if r.is_one() && c.is_one() {
            return self.lit(1.0);
        }
        self.intern(Op::Ones, r, c)
    }

    /// All zeros, `r × c`.
    pub fn zeros(&mut self, r: Size, c: Size) -> NodeId {
        self.intern(Op::Zeros, r, c)
    }

    /// Whether `a` is all zeros.
    pub fn is_zero(&self, a: NodeId) -> bool {
        matches!(self.op(a), Op::Zeros) || self.lit_value(a) == Some(0.0)
    }

    /// `−a`
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        let (r, c) = self.dims(a);
        match self.op(a).clone() {
            Op::Neg(x) => x,
            Op::Lit(b) => self.lit(-lit_of(b)),
            Op::Zeros => a,
            Op::Scale(s, x) if self.lit_value(s).is_some() => {
                let v = self.lit_value(s).expect("literal");
                let s = self.lit(-v);
                self.scale(s, x)
            }
            _ => self.intern(Op::Neg(a), r, c),
        }
    }

    /// `a + b` (same dims).
    pub fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if self.is_zero(b) {
            return a;
        }
        if self.is_zero(a) {
            return b;
        }
        if let (Some(x), Some(y)) = (self.lit_value(a), self.lit_value(b)) {
            return self.lit(x + y);
        }
        if let Op::Neg(y) = *self.op(b) {
            return self.sub(a, y);
        }
        if let Op::Neg(x) = *self.op(a) {
            return self.sub(b, x);
        }
        let (r, c) = self.dims(a);
        self.intern(Op::Add(a, b), r, c)
    }

    /// `a − b` (same dims).
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if self.is_zero(b) {
            return a;
        }
        if self.is_zero(a) {
            return self.neg(b);
        }
        if let (Some(x), Some(y)) = (self.lit_value(a), self.lit_value(b)) {
            return self.lit(x - y);
        }
        if let Op::Neg(y) = *self.op(b) {
            return self.add(a, y);
        }
        let (r, c) = self.dims(a);
        self.intern(Op::Sub(a, b), r, c)
    }

    /// `s · a` with `s` a `1 × 1` node.
    pub fn scale(&mut self, s: NodeId, a: NodeId) -> NodeId {
        let (r, c) = self.dims(a);
        if self.is_zero(a) {
            return a;
        }
        if let Some(v) = self.lit_value(s) {
            if v == 1.0 {
                return a;
            }
            if v == 0.0 {
                return self.zeros(r, c);
            }
            if v == -1.0 {
                return self.neg(a);
            }
            if let Some(w) = self.lit_value(a) {
                return self.lit(v * w);
            }
            match self.op(a).clone() {
                Op::Scale(t, x) if self.lit_value(t).is_some() => {
                    let w = self.lit_value(t).expect("literal");
                    let p = self.lit(v * w);
                    return self.scale(p, x);
                }
                Op::Neg(x) => {
                    let p = self.lit(-v);
                    return self.scale(p, x);
                }
                _ => {}
            }
        }
        if r.is_one() && c.is_one() && self.lit_value(a).is_some() && self.lit_value(s).is_none() {
            return self.scale(a, s);
        }
        if let Op::Ones = self.op(a) {
            if r.is_one() && c.is_one() {
                return s;
            }
        }
        self.intern(Op::Scale(s, a), r, c)
    }

    /// Matrix product `a b`.
    pub fn matmul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        let (r, _) = self.dims(a);
        let (_, c) = self.dims(b);
        if self.is_zero(a) || self.is_zero(b) {
            return self.zeros(r, c);
        }
        match (self.op(a).clone(), self.op(b).clone()) {
            (Op::Eye(_), _) => b,
            (_, Op::Eye(_)) => a,
            (Op::Neg(x), _) => {
                let p = self.matmul(x, b);
                self.neg(p)
            }
            (_, Op::Neg(y)) => {
                let p = self.matmul(a, y);
                self.neg(p)
            }
            (Op::Scale(s, x), _) => {
                let p = self.matmul(x, b);
                self.scale(s, p)
            }
            (_, Op::Scale(s, y)) => {
                let p = self.matmul(a, y);
                self.scale(s, p)
            }
            _ if r.is_one() && c.is_one() && self.lit_value(a).is_some() => b,
            _ => self.intern(Op::MatMul(a, b), r, c),
        }
    }

    /// `aᵀ`
    pub fn t(&mut self, a: NodeId) -> NodeId {
        let (r, c) = self.dims(a);
        match self.op(a).clone() {
            Op::T(x) => x,
            Op::Eye(_) | Op::Lit(_) => a,
            Op::Ones => self.ones(c, r),
            Op::Zeros => self.zeros(c, r),
            Op::Neg(x) => {
                let t = self.t(x);
                self.neg(t)
            }
            Op::Scale(s, x) => {
                let t = self.t(x);
                self.scale(s, t)
            }
            _ if r.is_one() && c.is_one() => a,
            _ => self.intern(Op::T(a), c, r),
        }
    }

    /// An elementwise or reducing unary op (`Recip`, `Exp`, `Abs`, `Pos`, `Sum`, `SumSq`, `Vec`).
    pub fn unary(&mut self, make: fn(NodeId) -> Op, a: NodeId) -> NodeId {
        let (r, c) = self.dims(a);
        let op = make(a);
        match op {
            Op::Sum(_) | Op::SumSq(_) => self.intern(op, Size::int(1), Size::int(1)),
            Op::Vec(_) => {
                if c.is_one() {
                    a
                } else if r.is_one() {
                    self.t(a)
                } else {
                    self.intern(op, r.mul(&c), Size::int(1))
                }
            }
            _ => self.intern(op, r, c),
        }
    }

    /// Blocks stacked top to bottom (equal column counts).
    pub fn vstack(&mut self, parts: Vec<NodeId>) -> NodeId {
        if parts.len() == 1 {
            return parts[0];
        }
        let rows = parts
            .iter()
            .fold(Size::int(0), |acc, &p| acc.add(&self.nodes[p].rows));
        let cols = self.nodes[parts[0]].cols.clone();
        self.intern(Op::VStack(parts), rows, cols)
    }

    /// Blocks side by side (equal row counts).
    pub fn hstack(&mut self, parts: Vec<NodeId>) -> NodeId {
        if parts.len() == 1 {
            return parts[0];
        }
        let cols = parts
            .iter()
            .fold(Size::int(0), |acc, &p| acc.add(&self.nodes[p].cols));
        let rows = self.nodes[parts[0]].rows.clone();
        self.intern(Op::HStack(parts), rows, cols)
    }

    /// Whether `a` is symmetric by construction (so `½(M + Mᵀ)` is not needed).
    pub fn is_symmetric(&self, a: NodeId) -> bool {
        match self.op(a) {
            Op::Eye(_) | Op::Lit(_) => true,
            Op::Zeros | Op::Ones => self.nodes[a].rows == self.nodes[a].cols,
            Op::Neg(x) | Op::Scale(_, x) | Op::Exp(x) | Op::Abs(x) | Op::Pos(x) => {
                self.is_symmetric(*x)
            }
            Op::Add(x, y) | Op::Sub(x, y) => self.is_symmetric(*x) && self.is_symmetric(*y),
            Op::MatMul(x, y) => {
                matches!(self.op(*y), Op::T(z) if z == x)
                    || matches!(self.op(*x), Op::T(z) if z == y)
            }
            _ => false,
        }
    }
}

/// The operands of an op.
pub fn children(op: &Op) -> Vec<NodeId> {
    match op {
        Op::Param(_) | Op::Input(_) | Op::Lit(_) | Op::Eye(_) | Op::Ones | Op::Zeros => vec![],
        Op::Neg(a)
        | Op::T(a)
        | Op::Recip(a)
        | Op::Exp(a)
        | Op::Abs(a)
        | Op::Pos(a)
        | Op::Sum(a)
        | Op::SumSq(a)
        | Op::Vec(a) => vec![*a],
        Op::Add(a, b) | Op::Sub(a, b) | Op::MatMul(a, b) | Op::Scale(a, b) => vec![*a, *b],
        Op::VStack(v) | Op::HStack(v) => v.clone(),
    }
}

/// The value of a literal op (for code generation).
pub fn lit_f64(bits: u64) -> f64 {
    lit_of(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_simplify() {
        let mut g = Graph::default();
        let n = Size::var("n");
        let i = g.eye(n.clone());
        let mi = g.neg(i);
        let mit = g.t(mi);
        let p = g.matmul(mit, mi);
        assert_eq!(p, i, "(-I)ᵀ(-I) = I");
        let y = g.leaf(Op::Input(0), n.clone(), Size::int(1));
        let two = g.lit(2.0);
        let half = g.lit(0.5);
        let s = g.scale(half, y);
        let s2 = g.scale(two, s);
        assert_eq!(s2, y, "2·(½·y) = y");
        let d = g.matmul(mi, y);
        assert!(matches!(g.nodes[d].op, Op::Neg(x) if x == y));
        assert!(g.nodes[d].batched);
    }

    #[test]
    fn interning_shares_nodes() {
        let mut g = Graph::default();
        let a = g.leaf(Op::Param(0), Size::var("n"), Size::var("n"));
        let t1 = g.t(a);
        let t2 = g.t(a);
        assert_eq!(t1, t2);
        let m = g.matmul(a, t1);
        assert!(g.is_symmetric(m));
        assert!(!g.is_symmetric(a));
    }
}
