//! Adam (Kingma & Ba, 2014), the optimizer both experiments train with, as in the paper.

use optnet::ndarray::{Array, Dimension, Zip};

/// Adam's state for one parameter array: first and second moment estimates and the step
/// count used for bias correction.
#[derive(Clone, Debug)]
pub struct Adam<D: Dimension> {
    /// Step size α.
    pub lr: f64,
    /// Decay of the first moment estimate, β₁ (0.9).
    pub beta1: f64,
    /// Decay of the second moment estimate, β₂ (0.999).
    pub beta2: f64,
    /// ε added to the root of the second moment (1e-8).
    pub eps: f64,
    m: Array<f64, D>,
    v: Array<f64, D>,
    t: i32,
}

impl<D: Dimension> Adam<D> {
    /// State for a parameter shaped like `like`, with the paper's defaults for β₁, β₂, ε.
    pub fn new(lr: f64, like: &Array<f64, D>) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            m: Array::zeros(like.raw_dim()),
            v: Array::zeros(like.raw_dim()),
            t: 0,
        }
    }

    /// One descent step on `param` along the gradient `grad`:
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − α·m̂/(√v̂ + ε),
    /// with the bias-corrected m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
    pub fn step(&mut self, param: &mut Array<f64, D>, grad: &Array<f64, D>) {
        assert_eq!(param.shape(), grad.shape(), "Adam: gradient shape");
        self.t += 1;
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        let lr = self.lr;
        Zip::from(param)
            .and(&mut self.m)
            .and(&mut self.v)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            });
    }
}
