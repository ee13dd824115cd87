//! Seeded 4×4 mini-Sudoku puzzles (2×2 boxes) with unique solutions, and their one-hot
//! encoding as the paper's 4×4×4 tensors (64 numbers).

use optnet::ndarray::Array2;
use rand::seq::SliceRandom;
use rand::Rng;

/// Side of the board.
pub const N: usize = 4;
/// Side of a box.
pub const BOX: usize = 2;
/// Cells on the board.
pub const CELLS: usize = N * N;
/// Length of a one-hot board: one indicator per (row, column, digit).
pub const ONE_HOT: usize = N * N * N;

/// A board, row by row: digits 1..=4, 0 for an empty cell.
pub type Board = [u8; CELLS];

/// A puzzle and its (unique) solution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Puzzle {
    /// The clues; 0 marks a cell to fill.
    pub clues: Board,
    /// The completed board.
    pub solution: Board,
}

/// Whether digit `d` may go in cell `cell` of `board`: no other cell of its row, column
/// or box holds `d`.
pub fn allowed(board: &Board, cell: usize, d: u8) -> bool {
    let (r, c) = (cell / N, cell % N);
    let (br, bc) = (r / BOX * BOX, c / BOX * BOX);
    (0..N).all(|k| {
        let (row, col) = (r * N + k, k * N + c);
        let bx = (br + k / BOX) * N + bc + k % BOX;
        (row == cell || board[row] != d)
            && (col == cell || board[col] != d)
            && (bx == cell || board[bx] != d)
    })
}

/// Whether `board` is a completed, valid Sudoku.
pub fn is_valid_solution(board: &Board) -> bool {
    (0..CELLS).all(|cell| (1..=N as u8).contains(&board[cell]) && allowed(board, cell, board[cell]))
}

/// Number of completions of `board`, counting no further than `limit`.
pub fn count_solutions(board: &Board, limit: usize) -> usize {
    let mut b = *board;
    let mut count = 0;
    count_rec(&mut b, limit, &mut count);
    count
}

fn count_rec(b: &mut Board, limit: usize, count: &mut usize) {
    let Some(cell) = b.iter().position(|&d| d == 0) else {
        *count += 1;
        return;
    };
    for d in 1..=N as u8 {
        if allowed(b, cell, d) {
            b[cell] = d;
            count_rec(b, limit, count);
            b[cell] = 0;
            if *count >= limit {
                return;
            }
        }
    }
}

/// A random completed board: the first one a depth-first search finds when every cell
/// tries the digits in a fresh random order.
pub fn random_solution(rng: &mut impl Rng) -> Board {
    fn fill(b: &mut Board, cell: usize, rng: &mut impl Rng) -> bool {
        if cell == CELLS {
            return true;
        }
        let mut digits: Vec<u8> = (1..=N as u8).collect();
        digits.shuffle(rng);
        for d in digits {
            if allowed(b, cell, d) {
                b[cell] = d;
                if fill(b, cell + 1, rng) {
                    return true;
                }
                b[cell] = 0;
            }
        }
        false
    }
    let mut b = [0; CELLS];
    let filled = fill(&mut b, 0, rng);
    debug_assert!(filled, "every partial 4×4 board in row order extends");
    b
}

/// A puzzle: a random solution, then its clues removed one by one in random order, each
/// removal kept only while the solution stays unique. The result is minimal: removing any
/// remaining clue would allow a second solution.
pub fn random_puzzle(rng: &mut impl Rng) -> Puzzle {
    let solution = random_solution(rng);
    let mut clues = solution;
    let mut order: Vec<usize> = (0..CELLS).collect();
    order.shuffle(rng);
    for cell in order {
        let d = clues[cell];
        clues[cell] = 0;
        if count_solutions(&clues, 2) != 1 {
            clues[cell] = d;
        }
    }
    Puzzle { clues, solution }
}

/// `count` puzzles drawn from `rng`.
pub fn puzzles(count: usize, rng: &mut impl Rng) -> Vec<Puzzle> {
    (0..count).map(|_| random_puzzle(rng)).collect()
}

/// Index of the indicator "cell (r, c) holds digit d" (d in 1..=4) in a one-hot board:
/// the tensor `[row][column][digit]` flattened row-major.
pub fn one_hot_index(r: usize, c: usize, d: u8) -> usize {
    (r * N + c) * N + (d as usize - 1)
}

/// One-hot encoding of boards, `[boards.len(), 64]`; an empty cell is all zeros.
pub fn one_hot(boards: impl ExactSizeIterator<Item = Board>) -> Array2<f64> {
    let mut x = Array2::zeros((boards.len(), ONE_HOT));
    for (i, b) in boards.enumerate() {
        for (cell, &d) in b.iter().enumerate() {
            if d != 0 {
                x[[i, one_hot_index(cell / N, cell % N, d)]] = 1.0;
            }
        }
    }
    x
}

/// Inputs (clues) and targets (solutions) of `puzzles` as one-hot rows, `[len, 64]` each.
pub fn encode(puzzles: &[Puzzle]) -> (Array2<f64>, Array2<f64>) {
    (
        one_hot(puzzles.iter().map(|p| p.clues)),
        one_hot(puzzles.iter().map(|p| p.solution)),
    )
}

/// The board a prediction encodes: in every cell, the digit with the largest value.
pub fn decode(pred: &[f64]) -> Board {
    assert_eq!(pred.len(), ONE_HOT);
    let mut b = [0; CELLS];
    for (cell, digits) in pred.chunks(N).enumerate() {
        let mut best = 0;
        for d in 1..N {
            if digits[d] > digits[best] {
                best = d;
            }
        }
        b[cell] = best as u8 + 1;
    }
    b
}
