//! Canonicalization: the checked layer → one QP in a stacked variable,
//!
//! ```text
//! minimize ½ xᵀQx + qᵀx   subject to  Ax = b,  Gx ≤ h,     x = (user variables, auxiliaries)
//! ```
//!
//! whose data are nodes of the data [`Graph`] (functions of params and inputs).
//!
//! Every expression becomes a [`Canon`]: an [`Affine`] part (one coefficient node per
//! variable plus an offset node, all laid out as columns of the expression's entries in
//! row-major order) and a list of quadratic pieces. Non-smooth atoms add auxiliary
//! variables and constraints (their epigraph) as they are canonicalized; the rules live
//! with the atoms in `atoms.rs`.
//!
//! Row order of the constraints: sign constraints of variables (in declaration order),
//! then the objective's auxiliary constraints, then each user constraint after the
//! auxiliary constraints of its own expressions.

use crate::ast::{BinOp, Rel};
use crate::check::{Checked, Curv, Sym, TExpr, TKind};
use crate::graph::{Graph, NodeId, Op};
use crate::shape::{Shape, Size};
use std::collections::BTreeMap;

/// An affine expression `Σ_v C_v x_v + d`, flattened row-major to `numel(shape)` rows.
#[derive(Clone, Debug)]
pub struct Affine {
    /// The expression's shape.
    pub shape: Shape,
    /// Coefficient node (`numel × numel(var)`) of each variable it depends on.
    pub coefs: BTreeMap<usize, NodeId>,
    /// Offset node (`numel × 1`), if not zero.
    pub offset: Option<NodeId>,
}

impl Affine {
    /// The zero expression of `shape`.
    pub fn zero(shape: Shape) -> Affine {
        Affine {
            shape,
            coefs: BTreeMap::new(),
            offset: None,
        }
    }
}

/// A quadratic piece of the objective: `scale · xᵀ M x` (or `scale · ‖x‖²` when `m` is `None`).
#[derive(Clone, Debug)]
pub struct Quad {
    /// A `1 × 1` node.
    pub scale: NodeId,
    /// The affine argument.
    pub x: Affine,
    /// The (symmetric) matrix, for `quad_form`.
    pub m: Option<NodeId>,
}

/// A canonicalized expression: affine part plus quadratic pieces (objective only).
#[derive(Clone, Debug)]
pub struct Canon {
    /// The affine part.
    pub aff: Affine,
    /// Quadratic pieces, summed.
    pub quads: Vec<Quad>,
}

impl Canon {
    /// A purely affine canon.
    pub fn affine(aff: Affine) -> Canon {
        Canon {
            aff,
            quads: Vec::new(),
        }
    }
}

/// A variable of the canonical problem.
#[derive(Clone, Debug)]
pub struct Var {
    /// The user's name, or a description of the auxiliary (e.g. `norm1 epigraph`).
    pub name: String,
    /// Its shape.
    pub shape: Shape,
    /// Index among the user's variables, `None` for auxiliaries.
    pub user: Option<usize>,
}

/// A block of one of the QP's arrays: `node` added at (`row`, `col`).
#[derive(Clone, Debug)]
pub struct Block {
    /// First row.
    pub row: Size,
    /// First column (0 for vectors).
    pub col: Size,
    /// The data.
    pub node: NodeId,
}

/// A matrix whose positive semi-definiteness is checked at run time.
#[derive(Clone, Debug)]
pub struct PsdCheck {
    /// The node.
    pub node: NodeId,
    /// The matrix as the user wrote it.
    pub text: String,
}

/// The canonical QP, as blocks of data nodes.
#[derive(Clone, Debug)]
pub struct Qp {
    /// All data.
    pub graph: Graph,
    /// Variables in stacking order, with their first index.
    pub vars: Vec<(Var, Size)>,
    /// Total number of variables.
    pub n: Size,
    /// Number of equality rows.
    pub m: Size,
    /// Number of inequality rows.
    pub p: Size,
    /// Blocks of Q.
    pub Q: Vec<Block>,
    /// Blocks of q.
    pub q: Vec<Block>,
    /// Blocks of A.
    pub A: Vec<Block>,
    /// Blocks of b.
    pub b: Vec<Block>,
    /// Blocks of G.
    pub G: Vec<Block>,
    /// Blocks of h.
    pub h: Vec<Block>,
    /// `quad_form` matrices to check.
    pub psd: Vec<PsdCheck>,
}

/// Builds the canonical problem.
pub struct Canonicalizer<'c> {
    /// The data graph being built.
    pub g: Graph,
    /// Variables so far.
    pub vars: Vec<Var>,
    /// Affine expressions constrained `= 0`.
    pub eqs: Vec<Affine>,
    /// Affine expressions constrained `≤ 0`.
    pub ineqs: Vec<Affine>,
    /// `quad_form` matrices.
    pub psd: Vec<PsdCheck>,
    checked: &'c Checked,
}

/// Canonicalizes a checked layer.
pub fn canonicalize(checked: &Checked) -> Qp {
    let mut c = Canonicalizer {
        g: Graph::default(),
        vars: Vec::new(),
        eqs: Vec::new(),
        ineqs: Vec::new(),
        psd: Vec::new(),
        checked,
    };
    for (i, v) in checked.vars.iter().enumerate() {
        c.vars.push(Var {
            name: v.name.text.clone(),
            shape: v.shape.clone(),
            user: Some(i),
        });
    }
    // Declared signs of variables: −x ≤ 0 or x ≤ 0.
    for (i, v) in checked.vars.iter().enumerate() {
        if let Some(s) = v.sign {
            let x = c.var(i);
            let x = match s {
                crate::ast::SignDecl::Nonneg => c.neg(&x),
                crate::ast::SignDecl::Nonpos => x,
            };
            c.le0(x);
        }
    }
    let (maximize, obj) = &checked.objective;
    let mut objective = c.expr(obj);
    if *maximize {
        objective = c.neg_canon(&objective);
    }
    for con in &checked.constraints {
        let l = c.expr(&con.lhs);
        let r = c.expr(&con.rhs);
        match con.rel {
            Rel::Eq => {
                let d = c.sub(&l.aff, &r.aff);
                c.eqs.push(d);
            }
            Rel::Le => {
                let d = c.sub(&l.aff, &r.aff);
                c.le0(d);
            }
            Rel::Ge => {
                let d = c.sub(&r.aff, &l.aff);
                c.le0(d);
            }
        }
    }
    c.assemble(objective)
}

impl Canonicalizer<'_> {
    /// Adds an auxiliary variable.
    pub fn new_var(&mut self, name: &str, shape: Shape) -> Affine {
        self.vars.push(Var {
            name: name.to_string(),
            shape,
            user: None,
        });
        self.var(self.vars.len() - 1)
    }

    /// The variable `v` as an affine expression.
    pub fn var(&mut self, v: usize) -> Affine {
        let shape = self.vars[v].shape.clone();
        let eye = self.g.eye(shape.numel());
        Affine {
            shape,
            coefs: [(v, eye)].into_iter().collect(),
            offset: None,
        }
    }

    /// Constrains `a ≤ 0`.
    pub fn le0(&mut self, a: Affine) {
        self.ineqs.push(a);
    }

    /// Data as an affine expression (offset only).
    pub fn constant(&mut self, node: NodeId, shape: Shape) -> Affine {
        let off = self.g.unary(Op::Vec, node);
        Affine {
            shape,
            coefs: BTreeMap::new(),
            offset: Some(off),
        }
    }

    /// `−a`
    pub fn neg(&mut self, a: &Affine) -> Affine {
        Affine {
            shape: a.shape.clone(),
            coefs: a.coefs.iter().map(|(&v, &c)| (v, self.g.neg(c))).collect(),
            offset: a.offset.map(|o| self.g.neg(o)),
        }
    }

    /// A scalar affine expression repeated to `shape`.
    pub fn broadcast(&mut self, a: &Affine, shape: &Shape) -> Affine {
        if a.shape == *shape || !a.shape.is_scalar() {
            return a.clone();
        }
        let ones = self.g.ones(shape.numel(), Size::int(1));
        Affine {
            shape: shape.clone(),
            coefs: a
                .coefs
                .iter()
                .map(|(&v, &c)| (v, self.g.matmul(ones, c)))
                .collect(),
            offset: a.offset.map(|o| self.g.scale(o, ones)),
        }
    }

    /// `a + b`, broadcasting a scalar.
    pub fn add(&mut self, a: &Affine, b: &Affine) -> Affine {
        let shape = crate::check::broadcast(&a.shape, &b.shape).expect("checked shapes");
        let (a, b) = (self.broadcast(a, &shape), self.broadcast(b, &shape));
        let mut coefs = a.coefs.clone();
        for (&v, &c) in &b.coefs {
            let e = match coefs.get(&v) {
                Some(&c0) => self.g.add(c0, c),
                None => c,
            };
            coefs.insert(v, e);
        }
        let offset = match (a.offset, b.offset) {
            (Some(x), Some(y)) => Some(self.g.add(x, y)),
            (x, y) => x.or(y),
        };
        Affine {
            shape,
            coefs,
            offset,
        }
    }

    /// `a − b`, broadcasting a scalar.
    pub fn sub(&mut self, a: &Affine, b: &Affine) -> Affine {
        let nb = self.neg(b);
        self.add(a, &nb)
    }

    /// `s · a` with `s` a `1 × 1` node.
    pub fn scale(&mut self, s: NodeId, a: &Affine) -> Affine {
        Affine {
            shape: a.shape.clone(),
            coefs: a
                .coefs
                .iter()
                .map(|(&v, &c)| (v, self.g.scale(s, c)))
                .collect(),
            offset: a.offset.map(|o| self.g.scale(s, o)),
        }
    }

    /// `M · a` for a node `M` applied to the flattened entries, giving `shape`.
    pub fn lmul(&mut self, m: NodeId, a: &Affine, shape: Shape) -> Affine {
        Affine {
            shape,
            coefs: a
                .coefs
                .iter()
                .map(|(&v, &c)| (v, self.g.matmul(m, c)))
                .collect(),
            offset: a.offset.map(|o| self.g.matmul(m, o)),
        }
    }

    /// The sum of the entries of `a` (a scalar).
    pub fn sum(&mut self, a: &Affine) -> Affine {
        if a.shape.is_scalar() {
            return a.clone();
        }
        let ones = self.g.ones(Size::int(1), a.shape.numel());
        self.lmul(ones, a, Shape::Scalar)
    }

    /// `s · c` for a canon (quadratic scales follow).
    pub fn scale_canon(&mut self, s: NodeId, c: &Canon) -> Canon {
        Canon {
            aff: self.scale(s, &c.aff),
            quads: c
                .quads
                .iter()
                .map(|q| Quad {
                    scale: self.g.scale(s, q.scale),
                    ..q.clone()
                })
                .collect(),
        }
    }

    /// `−c` for a canon.
    pub fn neg_canon(&mut self, c: &Canon) -> Canon {
        let m1 = self.g.lit(-1.0);
        self.scale_canon(m1, c)
    }

    /// The data node of a constant expression, in its natural 2-D layout.
    pub fn data(&mut self, e: &TExpr) -> NodeId {
        debug_assert_eq!(e.info.curv, Curv::Constant);
        match &e.kind {
            TKind::Num(v) => self.g.lit(*v),
            TKind::Sym(Sym::Param(i)) => {
                let (r, c) = self.checked.params[*i].shape.dims();
                self.g.leaf(Op::Param(*i), r, c)
            }
            TKind::Sym(Sym::Input(i)) => {
                let (r, c) = self.checked.inputs[*i].shape.dims();
                self.g.leaf(Op::Input(*i), r, c)
            }
            TKind::Sym(Sym::Var(_)) => unreachable!("a variable is not data"),
            TKind::Neg(a) => {
                let a = self.data(a);
                self.g.neg(a)
            }
            TKind::T(a) => {
                let a = self.data(a);
                self.g.t(a)
            }
            TKind::Bin(op, a, b) => {
                let (an, bn) = (self.data(a), self.data(b));
                let (ash, bsh) = (&a.info.shape, &b.info.shape);
                match op {
                    BinOp::Add | BinOp::Sub => {
                        let shape = e.info.shape.clone();
                        let an = self.bcast_data(an, ash, &shape);
                        let bn = self.bcast_data(bn, bsh, &shape);
                        if *op == BinOp::Add {
                            self.g.add(an, bn)
                        } else {
                            self.g.sub(an, bn)
                        }
                    }
                    BinOp::Mul if ash.is_scalar() => self.g.scale(an, bn),
                    BinOp::Mul if bsh.is_scalar() => self.g.scale(bn, an),
                    BinOp::Mul => self.g.matmul(an, bn),
                    BinOp::Div => {
                        let r = self.g.unary(Op::Recip, bn);
                        self.g.scale(r, an)
                    }
                }
            }
            TKind::Atom(def, args, sizes, _) => {
                let nodes: Vec<NodeId> = args.iter().map(|a| self.data(a)).collect();
                (def.data.expect("checked: the atom applies to data"))(&mut self.g, &nodes, sizes)
            }
            TKind::Block(rows) => {
                let mut row_nodes = Vec::new();
                for row in rows {
                    let parts: Vec<NodeId> = row.iter().map(|x| self.data(x)).collect();
                    row_nodes.push(self.g.hstack(parts));
                }
                self.g.vstack(row_nodes)
            }
        }
    }

    fn bcast_data(&mut self, n: NodeId, from: &Shape, to: &Shape) -> NodeId {
        if from.is_scalar() && !to.is_scalar() {
            let (r, c) = to.dims();
            let ones = self.g.ones(r, c);
            self.g.scale(n, ones)
        } else {
            n
        }
    }

    /// Canonicalizes an expression.
    pub fn expr(&mut self, e: &TExpr) -> Canon {
        if e.info.curv == Curv::Constant {
            let n = self.data(e);
            return Canon::affine(self.constant(n, e.info.shape.clone()));
        }
        match &e.kind {
            TKind::Sym(Sym::Var(v)) => Canon::affine(self.var(*v)),
            TKind::Num(_) | TKind::Sym(_) => unreachable!("data is handled above"),
            TKind::Neg(a) => {
                let a = self.expr(a);
                self.neg_canon(&a)
            }
            TKind::T(a) => {
                // Vectors and row vectors share their flattened layout.
                let mut a = self.expr(a);
                a.aff.shape = e.info.shape.clone();
                a
            }
            TKind::Bin(op, a, b) => self.binary(*op, a, b, &e.info.shape),
            TKind::Atom(def, args, _, texts) => (def.canon)(self, args, texts),
            TKind::Block(rows) => {
                let parts: Vec<Affine> = rows
                    .iter()
                    .flat_map(|r| r.iter())
                    .map(|x| self.expr(x).aff)
                    .collect();
                Canon::affine(self.concat(&parts, e.info.shape.clone()))
            }
        }
    }

    fn binary(&mut self, op: BinOp, a: &TExpr, b: &TExpr, shape: &Shape) -> Canon {
        match op {
            BinOp::Add | BinOp::Sub => {
                let (ca, cb) = (self.expr(a), self.expr(b));
                let cb = if op == BinOp::Sub {
                    self.neg_canon(&cb)
                } else {
                    cb
                };
                let mut quads = ca.quads.clone();
                quads.extend(cb.quads.iter().cloned());
                Canon {
                    aff: self.add(&ca.aff, &cb.aff),
                    quads,
                }
            }
            BinOp::Div => {
                let d = self.data(b);
                let r = self.g.unary(Op::Recip, d);
                let x = self.expr(a);
                self.scale_canon(r, &x)
            }
            BinOp::Mul => {
                let x_left = a.info.curv != Curv::Constant;
                let (d, x) = if x_left { (b, a) } else { (a, b) };
                let dn = self.data(d);
                let cx = self.expr(x);
                if d.info.shape.is_scalar() {
                    return self.scale_canon(dn, &cx);
                }
                let aff = if x.info.shape.is_scalar() {
                    // scalar expression times a data array: vec(D) · x
                    let col = self.g.unary(Op::Vec, dn);
                    self.lmul(col, &cx.aff, shape.clone())
                } else if x_left {
                    // row vector times data: (xᵀ D)ᵀ = Dᵀ x
                    let dt = self.g.t(dn);
                    self.lmul(dt, &cx.aff, shape.clone())
                } else {
                    self.lmul(dn, &cx.aff, shape.clone())
                };
                Canon::affine(aff)
            }
        }
    }

    /// Affine parts one after another (vertical stacking of flattened entries).
    pub fn concat(&mut self, parts: &[Affine], shape: Shape) -> Affine {
        let vars: Vec<usize> = {
            let mut v: Vec<usize> = parts.iter().flat_map(|p| p.coefs.keys().copied()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mut coefs = BTreeMap::new();
        for v in vars {
            let nv = self.vars[v].shape.numel();
            let blocks: Vec<NodeId> = parts
                .iter()
                .map(|p| match p.coefs.get(&v) {
                    Some(&c) => c,
                    None => self.g.zeros(p.shape.numel(), nv.clone()),
                })
                .collect();
            coefs.insert(v, self.g.vstack(blocks));
        }
        let offset = if parts.iter().any(|p| p.offset.is_some()) {
            let blocks: Vec<NodeId> = parts
                .iter()
                .map(|p| match p.offset {
                    Some(o) => o,
                    None => self.g.zeros(p.shape.numel(), Size::int(1)),
                })
                .collect();
            Some(self.g.vstack(blocks))
        } else {
            None
        };
        Affine {
            shape,
            coefs,
            offset,
        }
    }

    /// Lays the problem out as blocks of Q, q, A, b, G, h.
    fn assemble(mut self, objective: Canon) -> Qp {
        let mut offsets = Vec::new();
        let mut n = Size::int(0);
        for v in &self.vars {
            offsets.push(n.clone());
            n = n.add(&v.shape.numel());
        }
        let mut qp = Qp {
            graph: Graph::default(),
            vars: Vec::new(),
            n: n.clone(),
            m: Size::int(0),
            p: Size::int(0),
            Q: Vec::new(),
            q: Vec::new(),
            A: Vec::new(),
            b: Vec::new(),
            G: Vec::new(),
            h: Vec::new(),
            psd: Vec::new(),
        };
        let zero = Size::int(0);
        // ½xᵀQx + qᵀx: the quadratic pieces, s‖Cx + d‖² → Q += 2s CᵀC, q += 2s Cᵀd,
        // s (Cx + d)ᵀM(Cx + d) → Q += 2s CᵀMC, q += 2s CᵀMd (M symmetric).
        for quad in &objective.quads {
            let two = self.g.lit(2.0);
            let s2 = self.g.scale(two, quad.scale);
            for (&vi, &ci) in &quad.x.coefs {
                let cit = self.g.t(ci);
                let left = match quad.m {
                    Some(m) => self.g.matmul(cit, m),
                    None => cit,
                };
                for (&vj, &cj) in &quad.x.coefs {
                    let p = self.g.matmul(left, cj);
                    let node = self.g.scale(s2, p);
                    qp.Q.push(Block {
                        row: offsets[vi].clone(),
                        col: offsets[vj].clone(),
                        node,
                    });
                }
                if let Some(d) = quad.x.offset {
                    let p = self.g.matmul(left, d);
                    let node = self.g.scale(s2, p);
                    qp.q.push(Block {
                        row: offsets[vi].clone(),
                        col: zero.clone(),
                        node,
                    });
                }
            }
        }
        // The affine part of the objective (its constant is dropped).
        for (&v, &c) in &objective.aff.coefs {
            let node = self.g.t(c);
            qp.q.push(Block {
                row: offsets[v].clone(),
                col: zero.clone(),
                node,
            });
        }
        let (eqs, ineqs) = (
            std::mem::take(&mut self.eqs),
            std::mem::take(&mut self.ineqs),
        );
        for (rows_acc, list, mat, rhs) in [
            (&mut qp.m, &eqs, &mut qp.A, &mut qp.b),
            (&mut qp.p, &ineqs, &mut qp.G, &mut qp.h),
        ] {
            for a in list {
                for (&v, &c) in &a.coefs {
                    mat.push(Block {
                        row: rows_acc.clone(),
                        col: offsets[v].clone(),
                        node: c,
                    });
                }
                if let Some(o) = a.offset {
                    let node = self.g.neg(o);
                    if !self.g.is_zero(node) {
                        rhs.push(Block {
                            row: rows_acc.clone(),
                            col: zero.clone(),
                            node,
                        });
                    }
                }
                *rows_acc = rows_acc.add(&a.shape.numel());
            }
        }
        // Drop blocks that are identically zero.
        for list in [
            &mut qp.Q, &mut qp.q, &mut qp.A, &mut qp.b, &mut qp.G, &mut qp.h,
        ] {
            list.retain(|b| !self.g.is_zero(b.node));
        }
        qp.vars = self.vars.drain(..).zip(offsets).collect();
        qp.psd = std::mem::take(&mut self.psd);
        qp.graph = self.g;
        qp
    }
}
