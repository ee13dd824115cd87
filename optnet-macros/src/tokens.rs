//! From Rust tokens to the text pest parses, keeping every token's span.
//!
//! The layer arrives as a `TokenStream`. We write each token out, separated by one space
//! (punctuation Rust glued together, such as `<=`, stays glued), and remember the byte
//! range each token occupies. Any byte offset pest reports then maps back to the user's
//! token, so errors point at the right line and column.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};

/// A source range in the user's tokens: the spans of its first and last token.
///
/// On stable Rust spans cannot be joined, but an error spanned over two tokens (as
/// `syn::Error::new_spanned` makes) underlines everything between them.
#[derive(Clone, Copy, Debug)]
pub struct Sp {
    /// Span of the first token.
    pub start: Span,
    /// Span of the last token.
    pub end: Span,
}

impl Sp {
    /// A range of one span.
    pub fn one(span: Span) -> Sp {
        Sp {
            start: span,
            end: span,
        }
    }

    /// An error covering this range.
    pub fn error(&self, msg: impl std::fmt::Display) -> syn::Error {
        let mut ts = TokenStream::new();
        ts.extend([
            TokenTree::Ident(proc_macro2::Ident::new("__start", self.start)),
            TokenTree::Ident(proc_macro2::Ident::new("__end", self.end)),
        ]);
        syn::Error::new_spanned(ts, msg)
    }
}

/// One token of the text.
#[derive(Clone, Debug)]
pub struct Tok {
    /// Byte offset of the token's first character in [`TokenText::text`].
    pub start: usize,
    /// Byte offset one past its last character.
    pub end: usize,
    /// The user's span.
    pub span: Span,
    /// The original token, for literals that pass through to the output (doc strings).
    pub literal: Option<proc_macro2::Literal>,
}

/// The text pest parses, and the token each byte came from.
#[derive(Clone, Debug, Default)]
pub struct TokenText {
    /// Tokens separated by spaces.
    pub text: String,
    /// Tokens in text order.
    pub toks: Vec<Tok>,
}

impl TokenText {
    /// Writes out `tokens`.
    pub fn new(tokens: TokenStream) -> TokenText {
        let mut out = TokenText::default();
        out.push_stream(tokens);
        out
    }

    fn push(&mut self, text: &str, span: Span, glue: bool, literal: Option<proc_macro2::Literal>) {
        if !self.text.is_empty() && !glue {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.toks.push(Tok {
            start,
            end: self.text.len(),
            span,
            literal,
        });
    }

    fn push_stream(&mut self, tokens: TokenStream) {
        let mut glue_next = false;
        for tt in tokens {
            let glue = std::mem::take(&mut glue_next);
            match tt {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis | Delimiter::None => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::Brace => ("{", "}"),
                    };
                    self.push(open, g.span_open(), false, None);
                    self.push_stream(g.stream());
                    self.push(close, g.span_close(), false, None);
                }
                TokenTree::Ident(i) => self.push(&i.to_string(), i.span(), false, None),
                TokenTree::Punct(p) => {
                    self.push(&p.as_char().to_string(), p.span(), glue, None);
                    glue_next = p.spacing() == Spacing::Joint;
                }
                TokenTree::Literal(l) => {
                    let text = l.to_string();
                    self.push(&text, l.span(), false, Some(l));
                }
            }
        }
    }

    /// Index of the token covering byte `pos`, or of the first token after it.
    pub fn token_at(&self, pos: usize) -> Option<usize> {
        self.toks.iter().position(|t| pos < t.end)
    }

    /// The user range covering bytes `start..end` of the text.
    pub fn range(&self, start: usize, end: usize) -> Sp {
        let first = self.token_at(start);
        let last = self.toks.iter().rposition(|t| t.start < end.max(start + 1));
        match (first, last) {
            (Some(a), Some(b)) if b >= a => Sp {
                start: self.toks[a].span,
                end: self.toks[b].span,
            },
            (Some(a), _) => Sp::one(self.toks[a].span),
            _ => Sp::one(self.toks.last().map_or_else(Span::call_site, |t| t.span)),
        }
    }

    /// The original literal token starting at byte `pos`, if any.
    pub fn literal_at(&self, pos: usize) -> Option<proc_macro2::Literal> {
        self.toks
            .iter()
            .find(|t| t.start == pos)
            .and_then(|t| t.literal.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn glued_punctuation_stays_glued() {
        let ts = TokenStream::from_str("x <= -1, a == b.T").unwrap();
        let t = TokenText::new(ts);
        assert_eq!(t.text, "x <= - 1 , a == b . T");
        assert_eq!(t.toks.len(), 12);
        assert_eq!(&t.text[t.toks[1].start..t.toks[1].end], "<");
        assert_eq!(&t.text[t.toks[2].start..t.toks[2].end], "=");
    }

    #[test]
    fn groups_are_written_with_their_delimiters() {
        let ts = TokenStream::from_str("f(x, [1, 2])").unwrap();
        assert_eq!(TokenText::new(ts).text, "f ( x , [ 1 , 2 ] )");
    }
}
