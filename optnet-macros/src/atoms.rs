//! The atoms: one declaration each, in one table.
//!
//! An atom states (1) its arguments, (2) its shape, sign and curvature rule (DCP: which
//! curvature of each argument keeps the result convex), (3) how to evaluate it on data,
//! if it can be, and (4) its canonicalizer: how to write it, with variables in its
//! arguments, as an affine expression plus auxiliary variables and constraints (its
//! epigraph) or as a quadratic piece of the objective. Adding an atom is one entry in
//! [`ATOMS`] and, usually, one canonicalizer function (see grammar/README.md).

use crate::canon::{Affine, Canon, Canonicalizer, PsdCheck, Quad};
use crate::check::{broadcast, Curv, Info, Sign, TExpr};
use crate::graph::{Graph, NodeId, Op};
use crate::shape::{Shape, Size};

/// Shape, sign and curvature rule: the arguments' infos (or sizes) → the result's info,
/// or a message saying why the call is invalid.
pub type InfoRule = fn(&[Info], &[Size]) -> Result<Info, String>;
/// Evaluation on data arguments.
pub type DataRule = fn(&mut Graph, &[NodeId], &[Size]) -> NodeId;
/// Canonicalization with variables in the arguments (the argument texts are for messages).
pub type CanonRule = fn(&mut Canonicalizer<'_>, &[TExpr], &[String]) -> Canon;

/// One atom.
pub struct AtomDef {
    /// The name it is called by.
    pub name: &'static str,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments.
    pub max_args: usize,
    /// Whether the arguments are sizes (`eye(n)`) rather than expressions.
    pub size_args: bool,
    /// Arguments that must be data (no variable), with what they are called in messages.
    pub data_args: &'static [(usize, &'static str)],
    /// Shape, sign and curvature.
    pub info: InfoRule,
    /// Evaluation on data, if supported.
    pub data: Option<DataRule>,
    /// Canonicalization.
    pub canon: CanonRule,
}

impl std::fmt::Debug for AtomDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AtomDef({})", self.name)
    }
}

/// Every atom.
pub static ATOMS: &[AtomDef] = &[
    AtomDef {
        name: "sum",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: sum_info,
        data: Some(sum_data),
        canon: sum_canon,
    },
    AtomDef {
        name: "sum_squares",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: sum_squares_info,
        data: Some(sum_squares_data),
        canon: sum_squares_canon,
    },
    AtomDef {
        name: "quad_form",
        data_args: &[(1, "the matrix of `quad_form`")],
        min_args: 2,
        max_args: 2,
        size_args: false,
        info: quad_form_info,
        data: Some(quad_form_data),
        canon: quad_form_canon,
    },
    AtomDef {
        name: "norm1",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: norm1_info,
        data: Some(norm1_data),
        canon: norm1_canon,
    },
    AtomDef {
        name: "norm_inf",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: norm_inf_info,
        data: None,
        canon: norm_inf_canon,
    },
    AtomDef {
        name: "abs",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: abs_info,
        data: Some(abs_data),
        canon: abs_canon,
    },
    AtomDef {
        name: "pos",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: pos_info,
        data: Some(pos_data),
        canon: pos_canon,
    },
    AtomDef {
        name: "max",
        data_args: &[],
        min_args: 1,
        max_args: 16,
        size_args: false,
        info: max_info,
        data: None,
        canon: max_canon,
    },
    AtomDef {
        name: "huber",
        data_args: &[(1, "the threshold of `huber`")],
        min_args: 2,
        max_args: 2,
        size_args: false,
        info: huber_info,
        data: None,
        canon: huber_canon,
    },
    AtomDef {
        name: "exp",
        data_args: &[(0, "the argument of `exp`")],
        min_args: 1,
        max_args: 1,
        size_args: false,
        info: exp_info,
        data: Some(exp_data),
        canon: data_only_canon,
    },
    AtomDef {
        name: "eye",
        data_args: &[],
        min_args: 1,
        max_args: 1,
        size_args: true,
        info: eye_info,
        data: Some(eye_data),
        canon: data_only_canon,
    },
    AtomDef {
        name: "ones",
        data_args: &[],
        min_args: 1,
        max_args: 2,
        size_args: true,
        info: fill_info,
        data: Some(ones_data),
        canon: data_only_canon,
    },
    AtomDef {
        name: "zeros",
        data_args: &[],
        min_args: 1,
        max_args: 2,
        size_args: true,
        info: fill_info,
        data: Some(zeros_data),
        canon: data_only_canon,
    },
];

/// The atom called `name`.
pub fn lookup(name: &str) -> Option<&'static AtomDef> {
    ATOMS.iter().find(|a| a.name == name)
}

// ----- helpers ---------------------------------------------------------------------------

fn need_affine(name: &str, a: &Info) -> Result<(), String> {
    if a.curv.is_affine() && !a.quad {
        Ok(())
    } else {
        Err(format!(
            "`{name}` needs an affine argument, but this one is {}",
            a.curv.words()
        ))
    }
}

fn need_convex(name: &str, a: &Info) -> Result<(), String> {
    if a.quad {
        return Err(format!("`{name}` of a quadratic atom is not a QP"));
    }
    if a.curv.is_convex() {
        Ok(())
    } else {
        Err(format!(
            "`{name}` needs a convex argument, but this one is {}",
            a.curv.words()
        ))
    }
}

/// Convex result of `shape`, constant when every argument is.
fn convex(args: &[Info], shape: Shape, sign: Sign, quad: bool) -> Info {
    let constant = args.iter().all(|a| a.curv == Curv::Constant);
    Info {
        shape,
        curv: if constant {
            Curv::Constant
        } else {
            Curv::Convex
        },
        sign,
        quad: quad && !constant,
    }
}

/// The affine part of an argument (checked to have no quadratic piece).
fn aff(c: &mut Canonicalizer<'_>, e: &TExpr) -> Affine {
    c.expr(e).aff
}

/// Epigraph of `|x|` elementwise: `x − t ≤ 0`, `−x − t ≤ 0`; returns `t`.
fn abs_epigraph(c: &mut Canonicalizer<'_>, x: &Affine, what: &str) -> Affine {
    let t = c.new_var(what, x.shape.clone());
    let d1 = c.sub(x, &t);
    c.le0(d1);
    let nx = c.neg(x);
    let d2 = c.sub(&nx, &t);
    c.le0(d2);
    t
}

// ----- sum -------------------------------------------------------------------------------

fn sum_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    if a[0].quad && !a[0].shape.is_scalar() {
        return Err("`sum` of a quadratic atom is not supported".into());
    }
    Ok(Info {
        shape: Shape::Scalar,
        ..a[0].clone()
    })
}
fn sum_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    g.unary(Op::Sum, a[0])
}
fn sum_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    let x = c.expr(&a[0]);
    Canon {
        aff: c.sum(&x.aff),
        quads: x.quads,
    }
}

// ----- sum_squares: a quadratic piece ------------------------------------------------------

fn sum_squares_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("sum_squares", &a[0])?;
    Ok(convex(a, Shape::Scalar, Sign::Nonneg, true))
}
fn sum_squares_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    g.unary(Op::SumSq, a[0])
}
fn sum_squares_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    let x = aff(c, &a[0]);
    let one = c.g.lit(1.0);
    Canon {
        aff: Affine::zero(Shape::Scalar),
        quads: vec![Quad {
            scale: one,
            x,
            m: None,
        }],
    }
}

// ----- quad_form(x, P) = xᵀPx, P data, checked PSD at run time -------------------------------

fn quad_form_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("quad_form", &a[0])?;
    let k = match &a[0].shape {
        Shape::Vector(k) => k.clone(),
        Shape::Scalar => Size::int(1),
        s => return Err(format!("`quad_form` needs a vector, found {s}")),
    };
    let want = Shape::Matrix(k.clone(), k.clone());
    if a[1].shape != want && !(k.is_one() && a[1].shape.is_scalar()) {
        return Err(format!(
            "shape mismatch: `quad_form` of a [{k}] vector needs a {want} matrix, found {}",
            a[1].shape
        ));
    }
    Ok(convex(a, Shape::Scalar, Sign::Nonneg, true))
}
fn quad_form_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    let xt = g.t(a[0]);
    let px = g.matmul(a[1], a[0]);
    g.matmul(xt, px)
}
fn quad_form_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], texts: &[String]) -> Canon {
    let x = aff(c, &a[0]);
    let m = c.data(&a[1]);
    // Use the symmetric part: xᵀMx = xᵀ½(M + Mᵀ)x, and Q must be symmetric.
    let m = if c.g.is_symmetric(m) {
        m
    } else {
        let mt = c.g.t(m);
        let s = c.g.add(m, mt);
        let half = c.g.lit(0.5);
        c.g.scale(half, s)
    };
    c.psd.push(PsdCheck {
        node: m,
        text: texts[1].clone(),
    });
    let one = c.g.lit(1.0);
    Canon {
        aff: Affine::zero(Shape::Scalar),
        quads: vec![Quad {
            scale: one,
            x,
            m: Some(m),
        }],
    }
}

// ----- abs, norm1, norm_inf: epigraphs of |x| ----------------------------------------------

fn abs_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("abs", &a[0])?;
    Ok(convex(a, a[0].shape.clone(), Sign::Nonneg, false))
}
fn abs_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    g.unary(Op::Abs, a[0])
}
fn abs_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    let x = aff(c, &a[0]);
    Canon::affine(abs_epigraph(c, &x, "abs epigraph"))
}

fn norm1_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("norm1", &a[0])?;
    Ok(convex(a, Shape::Scalar, Sign::Nonneg, false))
}
fn norm1_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    let abs = g.unary(Op::Abs, a[0]);
    g.unary(Op::Sum, abs)
}
fn norm1_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    let x = aff(c, &a[0]);
    let t = abs_epigraph(c, &x, "norm1 epigraph");
    Canon::affine(c.sum(&t))
}

fn norm_inf_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("norm_inf", &a[0])?;
    Ok(convex(a, Shape::Scalar, Sign::Nonneg, false))
}
fn norm_inf_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    // One scalar t with x − t·1 ≤ 0 and −x − t·1 ≤ 0.
    let x = aff(c, &a[0]);
    let t = c.new_var("norm_inf epigraph", Shape::Scalar);
    let d1 = c.sub(&x, &t);
    c.le0(d1);
    let nx = c.neg(&x);
    let d2 = c.sub(&nx, &t);
    c.le0(d2);
    Canon::affine(t)
}

// ----- pos(x) = max(x, 0) and max(a, b, …) ---------------------------------------------------

fn pos_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_convex("pos", &a[0])?;
    Ok(convex(a, a[0].shape.clone(), Sign::Nonneg, false))
}
fn pos_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    g.unary(Op::Pos, a[0])
}
fn pos_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    // t ≥ x and t ≥ 0 (x may itself be convex: pos is nondecreasing).
    let x = aff(c, &a[0]);
    let t = c.new_var("pos epigraph", x.shape.clone());
    let d = c.sub(&x, &t);
    c.le0(d);
    let nt = c.neg(&t);
    c.le0(nt);
    Canon::affine(t)
}

fn max_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    let mut shape = if a.len() == 1 {
        Shape::Scalar
    } else {
        a[0].shape.clone()
    };
    for x in a {
        need_convex("max", x)?;
        if a.len() > 1 {
            shape = broadcast(&shape, &x.shape)
                .ok_or_else(|| format!("shape mismatch: `max` of {} and {}", shape, x.shape))?;
        }
    }
    let sign = if a.iter().any(|x| x.sign == Sign::Nonneg) {
        Sign::Nonneg
    } else {
        Sign::Unknown
    };
    Ok(convex(a, shape, sign, false))
}
fn max_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    // max of the entries of one argument, or the elementwise max of several: t ≥ each.
    let args: Vec<Affine> = a.iter().map(|x| aff(c, x)).collect();
    let shape = if args.len() == 1 {
        Shape::Scalar
    } else {
        args.iter().fold(Shape::Scalar, |s, x| {
            broadcast(&s, &x.shape).expect("checked")
        })
    };
    let t = c.new_var("max epigraph", shape);
    for x in &args {
        let d = c.sub(x, &t);
        c.le0(d);
    }
    Canon::affine(t)
}

// ----- huber(x, M) = Σᵢ huber_M(xᵢ): added the way grammar/README.md describes -------------

fn huber_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    need_affine("huber", &a[0])?;
    if !a[1].shape.is_scalar() {
        return Err("the threshold of `huber` must be a scalar".into());
    }
    if a[1].sign != Sign::Nonneg {
        return Err(
            "the threshold of `huber` must be nonneg (a literal or a `nonneg` param)".into(),
        );
    }
    Ok(convex(a, Shape::Scalar, Sign::Nonneg, true))
}
fn huber_canon(c: &mut Canonicalizer<'_>, a: &[TExpr], _: &[String]) -> Canon {
    // huber_M(x) = min over w of w² + 2M|x − w|:
    // minimize ‖w‖² + 2M·1ᵀt  s.t.  x − w − t ≤ 0,  −(x − w) − t ≤ 0.
    let x = aff(c, &a[0]);
    let m = c.data(&a[1]);
    let w = c.new_var("huber quadratic part", x.shape.clone());
    let r = c.sub(&x, &w);
    let t = abs_epigraph(c, &r, "huber linear part");
    let two = c.g.lit(2.0);
    let two_m = c.g.scale(two, m);
    let st = c.sum(&t);
    let one = c.g.lit(1.0);
    Canon {
        aff: c.scale(two_m, &st),
        quads: vec![Quad {
            scale: one,
            x: w,
            m: None,
        }],
    }
}

// ----- data-only atoms ---------------------------------------------------------------------

fn data_only_canon(_: &mut Canonicalizer<'_>, _: &[TExpr], _: &[String]) -> Canon {
    unreachable!("data atoms are evaluated as data")
}

fn exp_info(a: &[Info], _: &[Size]) -> Result<Info, String> {
    Ok(Info::data(a[0].shape.clone(), Sign::Nonneg))
}
fn exp_data(g: &mut Graph, a: &[NodeId], _: &[Size]) -> NodeId {
    g.unary(Op::Exp, a[0])
}

fn eye_info(_: &[Info], s: &[Size]) -> Result<Info, String> {
    Ok(Info::data(
        Shape::Matrix(s[0].clone(), s[0].clone()),
        Sign::Nonneg,
    ))
}
fn eye_data(g: &mut Graph, _: &[NodeId], s: &[Size]) -> NodeId {
    g.eye(s[0].clone())
}

fn fill_info(_: &[Info], s: &[Size]) -> Result<Info, String> {
    let shape = match s {
        [k] => Shape::Vector(k.clone()),
        [r, c] => Shape::Matrix(r.clone(), c.clone()),
        _ => unreachable!("arity checked"),
    };
    Ok(Info::data(shape, Sign::Nonneg))
}
fn fill_dims(s: &[Size]) -> (Size, Size) {
    match s {
        [k] => (k.clone(), Size::int(1)),
        [r, c] => (r.clone(), c.clone()),
        _ => unreachable!("arity checked"),
    }
}
fn ones_data(g: &mut Graph, _: &[NodeId], s: &[Size]) -> NodeId {
    let (r, c) = fill_dims(s);
    g.ones(r, c)
}
fn zeros_data(g: &mut Graph, _: &[NodeId], s: &[Size]) -> NodeId {
    let (r, c) = fill_dims(s);
    g.zeros(r, c)
}
