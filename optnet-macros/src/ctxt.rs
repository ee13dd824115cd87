//! Collects every error of a layer so the user sees all of them at once.

/// An error sink.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Records an error.
    pub fn push(&mut self, e: syn::Error) {
        self.errors.push(e);
    }

    /// All errors combined into one, or `Ok` when there are none.
    pub fn check(self) -> Result<(), syn::Error> {
        let mut it = self.errors.into_iter();
        match it.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in it {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}
