//! The BLAS routines ndarray calls, written in Rust: how the programs compute
//! `x_batch.t().dot(&error)` at the speed of memory.
//!
//! NumPy hands a product such as `X.T @ error` to a BLAS library (OpenBLAS).
//! ndarray does the same when it is built with its `blas` feature; without
//! it, ndarray computes a matrix times a vector as one dot product per row of
//! the matrix. For the gradient's `x_batch.t().dot(&error)` those rows are
//! the columns of the row-major batch, so each of the 784 dot products walks
//! down a column, one number from every row of pixels: the batch is read 784
//! times over, in steps of 6 KB, and at large batches that is most of an
//! epoch.
//!
//! The programs turn ndarray's `blas` feature on and link these routines in
//! place of a library. [`cblas_dgemv`] reads a matrix in the order it lies in
//! memory, four rows or four columns side by side, with the widest vector
//! instructions the processor has; products of two matrices go to
//! `matrixmultiply`, as they do without the feature. Every sum is taken in the
//! order ndarray's own code takes it, so each number a program prints is the
//! same, to the last bit, with or without this module, and the listing the
//! book teaches does not change. (The playground, built for WebAssembly
//! without the `programs` feature, runs ndarray's own code.)
//!
//! The routines have the C names and arguments of CBLAS because that is how
//! ndarray finds them: `cblas-sys` declares them, and a BLAS library, or this
//! module, defines them. They follow the CBLAS reference for every layout,
//! transposition and stride.

use std::ops::{Add, Mul};
use std::os::raw::c_int;

use cblas_sys::{
    CBLAS_LAYOUT, CBLAS_TRANSPOSE, CblasColMajor, CblasConjTrans, CblasNoTrans,
    CblasRowMajor, CblasTrans, c_double_complex, c_float_complex,
};
use matrixmultiply::CGemmOption;

/// The arithmetic the dot products need: `f32` and `f64`.
trait Real:
    Copy + Default + PartialEq + Add<Output = Self> + Mul<Output = Self>
{
}
impl Real for f32 {}
impl Real for f64 {}

/// Where element `(i, j)` of `op(A)` lies, as (row stride, column stride):
/// a stored matrix read row-major or column-major with leading dimension
/// `ld`, transposed or not.
fn strides(
    layout: CBLAS_LAYOUT,
    trans: CBLAS_TRANSPOSE,
    ld: c_int,
) -> (isize, isize) {
    let ld = ld as isize;
    let stored = match layout {
        CblasRowMajor => (ld, 1),
        CblasColMajor => (1, ld),
    };
    match trans {
        CblasNoTrans => stored,
        CblasTrans | CblasConjTrans => (stored.1, stored.0),
    }
}

/// A vector of `len` numbers `inc` apart, as BLAS passes one: for a negative
/// `inc` the pointer is the lowest address and the vector runs backwards.
struct Strided<T> {
    first: *mut T,
    len: usize,
    inc: isize,
}

impl<T: Copy> Strided<T> {
    /// # Safety
    /// `base` with `len` and `inc` must describe a valid BLAS vector.
    unsafe fn new(base: *const T, len: c_int, inc: c_int) -> Self {
        let (len, inc) = (len.max(0) as usize, inc as isize);
        let back = if inc < 0 {
            (len as isize - 1).max(0) * -inc
        } else {
            0
        };
        // SAFETY: the vector's elements lie between `base` and `base + back`.
        let first = unsafe { base.offset(back) } as *mut T;
        Strided { first, len, inc }
    }

    /// The elements as one slice, if they are next to each other in order.
    ///
    /// # Safety
    /// As for [`Strided::new`]; the slice must not outlive the vector.
    unsafe fn as_slice<'a>(&self) -> Option<&'a [T]> {
        if self.len == 0 {
            return Some(&[]);
        }
        // SAFETY: `len` elements one apart from `first` (a valid vector).
        (self.inc == 1 || self.len == 1).then(|| unsafe {
            std::slice::from_raw_parts(self.first, self.len)
        })
    }

    /// Element `i`.
    ///
    /// # Safety
    /// `i < len`.
    unsafe fn at(&self, i: usize) -> *mut T {
        // SAFETY: within the vector for `i < len`.
        unsafe { self.first.offset(i as isize * self.inc) }
    }
}

/// How many rows or columns [`gemv`] reads side by side: four streams of
/// memory in flight instead of one, which a single core needs to read at the
/// speed its memory can deliver.
const SIDE_BY_SIDE: usize = 4;

/// The dot products `rows[r] · x`, each with eight running sums as ndarray
/// adds up two slices (so that the compiler can keep them in vector
/// registers), all `N` rows read side by side.
#[inline(always)]
fn dots<T: Real, const N: usize>(rows: [&[T]; N], x: &[T]) -> [T; N] {
    assert!(rows.iter().all(|row| row.len() == x.len()));
    let mut lanes = [[T::default(); 8]; N];
    let whole = x.len() / 8 * 8;
    for start in (0..whole).step_by(8) {
        let xs = &x[start..start + 8];
        for (row, lanes) in rows.iter().zip(&mut lanes) {
            let part = &row[start..start + 8];
            for lane in 0..8 {
                lanes[lane] = lanes[lane] + part[lane] * xs[lane];
            }
        }
    }
    std::array::from_fn(|r| {
        let (lanes, mut total) = (lanes[r], T::default());
        for lane in 0..4 {
            total = total + (lanes[lane] + lanes[lane + 4]);
        }
        (whole..x.len()).fold(total, |sum, i| sum + rows[r][i] * x[i])
    })
}

// ANCHOR: add_scaled
/// `sums[i] += columns[0][i]·scales[0]`, then the same for column 1, and so
/// on: each sum takes its additions in column order, as a dot product along
/// the row would, with all `N` columns read side by side.
#[inline(always)]
fn add_scaled<T: Real, const N: usize>(
    sums: &mut [T],
    columns: [&[T]; N],
    scales: [T; N],
) {
    assert!(columns.iter().all(|column| column.len() == sums.len()));
    for (i, sum) in sums.iter_mut().enumerate() {
        *sum = (0..N).fold(*sum, |sum, k| sum + columns[k][i] * scales[k]);
    }
}
// ANCHOR_END: add_scaled

/// Runs `work` compiled for AVX-512 or AVX2 where the processor has them:
/// eight or four `f64` per instruction instead of two. The same additions in
/// the same order (the compiler never fuses a multiplication with an addition
/// on its own), so the same bits.
#[inline(always)]
fn wide<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    let work = match with_avx512(work) {
        Ok(done) => return done,
        Err(work) => work,
    };
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2<R>(work: impl FnOnce() -> R) -> R {
            work()
        }
        // SAFETY: the processor has just been found to support AVX2.
        return unsafe { avx2(work) };
    }
    work()
}

/// `work` compiled for AVX-512, run where the processor has it; else `work`
/// back, not run. (Rust compiles for AVX-512 from version 1.89 on.)
#[cfg(target_arch = "x86_64")]
#[rustversion::since(1.89)]
#[inline(always)]
fn with_avx512<R, W: FnOnce() -> R>(work: W) -> Result<R, W> {
    #[target_feature(enable = "avx512f")]
    fn avx512<R>(work: impl FnOnce() -> R) -> R {
        work()
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has just been found to support AVX-512.
        Ok(unsafe { avx512(work) })
    } else {
        Err(work)
    }
}

/// Before Rust 1.89, no AVX-512: `work` back, not run.
#[cfg(target_arch = "x86_64")]
#[rustversion::before(1.89)]
#[inline(always)]
fn with_avx512<R, W: FnOnce() -> R>(work: W) -> Result<R, W> {
    Err(work)
}

/// `Σ x[i]·y[i]`: with eight running sums where both vectors are slices, else
/// with one, as ndarray does.
///
/// # Safety
/// `x` and `y` must be valid BLAS vectors of `len` elements.
unsafe fn dot<T: Real>(x: &Strided<T>, y: &Strided<T>) -> T {
    // SAFETY: both are valid vectors of the same length.
    unsafe {
        if let (Some(x), Some(y)) = (x.as_slice(), y.as_slice()) {
            return wide(|| dots([x], y)[0]);
        }
        (0..x.len).fold(T::default(), |sum, i| sum + *x.at(i) * *y.at(i))
    }
}

/// From this many elements on, a matrix-vector product is shared between two
/// threads, as OpenBLAS shares one between the cores: at batch sizes of a few
/// hundred and more, where an epoch is mostly such products.
const SHARED: usize = 1 << 18;

/// `op(A)` as BLAS passes it: `rows × cols` elements at `a + i·rs + j·cs`.
#[derive(Clone, Copy)]
struct Matrix<T> {
    a: *const T,
    rs: isize,
    cs: isize,
    rows: usize,
    cols: usize,
}

// SAFETY: a matrix and the vector `x` are only read, by the threads of the
// one BLAS call that was given them, and the call waits for its threads.
unsafe impl<T: Sync> Send for Matrix<T> {}
unsafe impl<T: Sync> Sync for Matrix<T> {}
unsafe impl<T: Sync> Sync for Strided<T> {}

impl<T: Real> Matrix<T> {
    /// `len` elements next to each other from element `(i, j)`: part of a
    /// row where `cs` is 1, of a column where `rs` is 1.
    ///
    /// # Safety
    /// They must lie within the matrix, or `len` be 0.
    unsafe fn line(&self, (i, j): (usize, usize), len: usize) -> &[T] {
        // (A line of no elements may start past the matrix: hence the wrapping.)
        let start = self
            .a
            .wrapping_offset(i as isize * self.rs + j as isize * self.cs);
        // SAFETY: as the caller promises.
        unsafe { std::slice::from_raw_parts(start, len) }
    }

    /// `sums[k] = row (first + k) of op(A) · x`, each summed in ndarray's order.
    ///
    /// # Safety
    /// `x` must hold `cols` elements, and `first + sums.len() <= rows`.
    unsafe fn products(&self, x: &Strided<T>, first: usize, sums: &mut [T]) {
        const N: usize = SIDE_BY_SIDE;
        let count = sums.len();
        // SAFETY (every block): within the matrix and `x`, as promised.
        if self.rs == 1 && self.cs != 1 {
            // Column-major: add each column, times its x[j], to the running
            // sums, so that the matrix is read in the order it lies in memory.
            sums.fill(T::default());
            let column = |j: usize| unsafe { self.line((first, j), count) };
            let x_at = |j: usize| unsafe { *x.at(j) };
            let whole = self.cols / N * N;
            for j in (0..whole).step_by(N) {
                let columns: [&[T]; N] = std::array::from_fn(|k| column(j + k));
                wide(|| {
                    add_scaled(
                        sums,
                        columns,
                        std::array::from_fn(|k| x_at(j + k)),
                    )
                });
            }
            for j in whole..self.cols {
                wide(|| add_scaled(sums, [column(j)], [x_at(j)]));
            }
        } else if let (1, Some(x)) = (self.cs, unsafe { x.as_slice() }) {
            // Row-major: each row's dot product with x, N rows at a time.
            let row =
                |i: usize| unsafe { self.line((first + i, 0), self.cols) };
            for (group, sums) in sums.chunks_mut(N).enumerate() {
                if let Ok(sums) = <&mut [T; N]>::try_from(&mut *sums) {
                    *sums = wide(|| {
                        dots(std::array::from_fn(|k| row(group * N + k)), x)
                    });
                } else {
                    for (k, sum) in sums.iter_mut().enumerate() {
                        *sum = wide(|| dots([row(group * N + k)], x)[0]);
                    }
                }
            }
        } else {
            for (k, sum) in sums.iter_mut().enumerate() {
                let row = Strided {
                    first: self
                        .a
                        .wrapping_offset((first + k) as isize * self.rs)
                        as *mut T,
                    len: self.cols,
                    inc: self.cs,
                };
                *sum = unsafe { dot(&row, x) };
            }
        }
    }
}

/// `y ← α·op(A)·x + β·y`. Each `y[i]` is ndarray's `row_i · x`, summed in
/// its order, by one thread: the same bits however the work is shared.
///
/// # Safety
/// The matrix and vectors must be valid, `x` of `cols` and `y` of `rows`.
unsafe fn gemv<T: Real + Send + Sync>(
    matrix: Matrix<T>,
    alpha: T,
    x: Strided<T>,
    beta: T,
    y: Strided<T>,
) {
    let zero = T::default();
    let mut sums = vec![zero; matrix.rows];
    // SAFETY: the halves are rows of the matrix, as the caller promises.
    if matrix.rows >= 2 && matrix.rows * matrix.cols >= SHARED {
        let half = matrix.rows / 2;
        let (top, bottom) = sums.split_at_mut(half);
        rayon::join(
            || unsafe { matrix.products(&x, 0, top) },
            || unsafe { matrix.products(&x, half, bottom) },
        );
    } else {
        unsafe { matrix.products(&x, 0, &mut sums) };
    }
    for (i, sum) in sums.into_iter().enumerate() {
        // SAFETY: `y` has `rows` elements.
        unsafe {
            let y_i = y.at(i);
            // ndarray's order: β·y is not read when β is zero.
            *y_i = if beta == zero {
                sum * alpha
            } else {
                *y_i * beta + sum * alpha
            };
        }
    }
}

/// The sizes of `op(A)` for a stored `m × n` matrix.
fn op_dims(trans: CBLAS_TRANSPOSE, m: c_int, n: c_int) -> (usize, usize) {
    let (m, n) = (m.max(0) as usize, n.max(0) as usize);
    match trans {
        CblasNoTrans => (m, n),
        CblasTrans | CblasConjTrans => (n, m),
    }
}

macro_rules! dot_and_gemv {
    ($real:ty, $dot:ident, $gemv:ident) => {
        /// CBLAS `?dot`: the dot product of two vectors.
        ///
        /// # Safety
        /// As in the CBLAS reference: valid vectors of `n` elements.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $dot(
            n: c_int,
            x: *const $real,
            incx: c_int,
            y: *const $real,
            incy: c_int,
        ) -> $real {
            // SAFETY: the caller passes valid vectors.
            unsafe { dot(&Strided::new(x, n, incx), &Strided::new(y, n, incy)) }
        }

        /// CBLAS `?gemv`: `y ← α·op(A)·x + β·y`.
        ///
        /// # Safety
        /// As in the CBLAS reference: a valid `m × n` matrix and vectors.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments, reason = "the CBLAS signature")]
        pub unsafe extern "C" fn $gemv(
            layout: CBLAS_LAYOUT,
            trans: CBLAS_TRANSPOSE,
            m: c_int,
            n: c_int,
            alpha: $real,
            a: *const $real,
            lda: c_int,
            x: *const $real,
            incx: c_int,
            beta: $real,
            y: *mut $real,
            incy: c_int,
        ) {
            let (rows, cols) = op_dims(trans, m, n);
            let (rs, cs) = strides(layout, trans, lda);
            // SAFETY: the caller passes a valid matrix and vectors.
            unsafe {
                let (x, y) = (
                    Strided::new(x, cols as c_int, incx),
                    Strided::new(y, rows as c_int, incy),
                );
                let matrix = Matrix {
                    a,
                    rs,
                    cs,
                    rows,
                    cols,
                };
                gemv(matrix, alpha, x, beta, y);
            }
        }
    };
}

dot_and_gemv!(f32, cblas_sdot, cblas_sgemv);
dot_and_gemv!(f64, cblas_ddot, cblas_dgemv);

/// The operands of a matrix product as `matrixmultiply` takes them: the
/// sizes `(m, k, n)` and each matrix's (row stride, column stride).
type Operands = ((usize, usize, usize), [(isize, isize); 3]);

/// The sizes and strides of `C ← α·op(A)·op(B) + β·C`, `op(A)` being `m × k`.
fn gemm_operands(
    layout: CBLAS_LAYOUT,
    (transa, transb): (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE),
    (m, n, k): (c_int, c_int, c_int),
    (lda, ldb, ldc): (c_int, c_int, c_int),
) -> Operands {
    let size = |v: c_int| v.max(0) as usize;
    let sa = strides(layout, transa, lda);
    let sb = strides(layout, transb, ldb);
    let sc = strides(layout, CblasNoTrans, ldc);
    ((size(m), size(k), size(n)), [sa, sb, sc])
}

/// `op(M)`'s elements conjugated, copied row-major, where the operation asks
/// for it (`matrixmultiply` reads its conjugation flags but does not apply
/// them); otherwise the matrix as it is.
///
/// # Safety
/// `m` must hold a valid `rows × cols` matrix with these strides.
unsafe fn conjugated<T: Copy + std::ops::Neg<Output = T>>(
    trans: CBLAS_TRANSPOSE,
    (rows, cols): (usize, usize),
    (m, rs, cs): (*const [T; 2], isize, isize),
    copy: &mut Vec<[T; 2]>,
) -> (*const [T; 2], isize, isize) {
    if !matches!(trans, CblasConjTrans) {
        return (m, rs, cs);
    }
    for i in 0..rows {
        for j in 0..cols {
            // SAFETY: `(i, j)` lies within the matrix.
            let [re, im] =
                unsafe { *m.offset(i as isize * rs + j as isize * cs) };
            copy.push([re, -im]);
        }
    }
    (copy.as_ptr(), cols as isize, 1)
}

/// `matrixmultiply`'s product of real matrices: `sgemm` or `dgemm`.
type RealProduct<T> = unsafe fn(
    usize,
    usize,
    usize,
    T,
    *const T,
    isize,
    isize,
    *const T,
    isize,
    isize,
    T,
    *mut T,
    isize,
    isize,
);

/// `matrixmultiply`'s product of complex matrices: `cgemm` or `zgemm`.
type ComplexProduct<T> = unsafe fn(
    CGemmOption,
    CGemmOption,
    usize,
    usize,
    usize,
    [T; 2],
    *const [T; 2],
    isize,
    isize,
    *const [T; 2],
    isize,
    isize,
    [T; 2],
    *mut [T; 2],
    isize,
    isize,
);

/// The scalars and matrices of `C ← α·op(A)·op(B) + β·C`: (α, A, B, β, C).
type Terms<S, T> = (S, *const T, *const T, S, *mut T);

/// A real product by `multiply`, as ndarray computes it without a BLAS library.
///
/// # Safety
/// The terms must be valid matrices of the operands' sizes and strides.
unsafe fn real<T>(
    multiply: RealProduct<T>,
    ((m, k, n), [sa, sb, sc]): Operands,
    _: (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE),
    (alpha, a, b, beta, c): Terms<T, T>,
) {
    // SAFETY: as the caller promises.
    unsafe {
        multiply(
            m, k, n, alpha, a, sa.0, sa.1, b, sb.0, sb.1, beta, c, sc.0, sc.1,
        )
    }
}

/// A complex product by `multiply`, with `A` or `B` conjugated first where
/// the operation asks for it.
///
/// # Safety
/// The terms must be valid scalars and matrices of the operands' sizes and
/// strides.
unsafe fn complex<T: Copy + std::ops::Neg<Output = T>>(
    multiply: ComplexProduct<T>,
    ((m, k, n), [sa, sb, sc]): Operands,
    (transa, transb): (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE),
    (alpha, a, b, beta, c): Terms<*const [T; 2], [T; 2]>,
) {
    let (mut copy_a, mut copy_b) = (Vec::new(), Vec::new());
    // SAFETY: as the caller promises.
    unsafe {
        let a = conjugated(transa, (m, k), (a, sa.0, sa.1), &mut copy_a);
        let b = conjugated(transb, (k, n), (b, sb.0, sb.1), &mut copy_b);
        let standard = CGemmOption::Standard;
        multiply(
            standard, standard, m, k, n, *alpha, a.0, a.1, a.2, b.0, b.1, b.2,
            *beta, c, sc.0, sc.1,
        )
    }
}

macro_rules! gemm {
    ($gemm:ident, $element:ty, $scalar:ty, $product:expr) => {
        /// CBLAS `?gemm`: `C ← α·op(A)·op(B) + β·C`, by `matrixmultiply` as
        /// ndarray computes it without a BLAS library.
        ///
        /// # Safety
        /// As in the CBLAS reference: valid scalars and matrices.
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments, reason = "the CBLAS signature")]
        pub unsafe extern "C" fn $gemm(
            layout: CBLAS_LAYOUT,
            transa: CBLAS_TRANSPOSE,
            transb: CBLAS_TRANSPOSE,
            m: c_int,
            n: c_int,
            k: c_int,
            alpha: $scalar,
            a: *const $element,
            lda: c_int,
            b: *const $element,
            ldb: c_int,
            beta: $scalar,
            c: *mut $element,
            ldc: c_int,
        ) {
            let trans = (transa, transb);
            let operands =
                gemm_operands(layout, trans, (m, n, k), (lda, ldb, ldc));
            // SAFETY: the caller passes valid scalars and matrices.
            unsafe { $product(operands, trans, (alpha, a, b, beta, c)) }
        }
    };
}

gemm!(cblas_sgemm, f32, f32, |o, t, terms| real(
    matrixmultiply::sgemm,
    o,
    t,
    terms
));
gemm!(cblas_dgemm, f64, f64, |o, t, terms| real(
    matrixmultiply::dgemm,
    o,
    t,
    terms
));
gemm!(
    cblas_cgemm,
    c_float_complex,
    *const c_float_complex,
    |o, t, terms| { complex(matrixmultiply::cgemm, o, t, terms) }
);
gemm!(
    cblas_zgemm,
    c_double_complex,
    *const c_double_complex,
    |o, t, terms| { complex(matrixmultiply::zgemm, o, t, terms) }
);

#[cfg(test)]
mod tests {
    use ndarray::linalg::general_mat_vec_mul;
    use ndarray::{Array1, Array2, ArrayView1, ShapeBuilder, s};

    use super::*;

    /// Numbers of both signs and many magnitudes, the same on every run.
    fn numbers(len: usize, seed: usize) -> Vec<f64> {
        (0..len)
            .map(|i| {
                ((i * 7 + seed * 13) as f64 * 0.754_877_666).sin()
                    * 10f64.powi((i % 5) as i32 - 2)
            })
            .collect()
    }

    fn matrix(rows: usize, cols: usize, seed: usize) -> Array2<f64> {
        Array2::from_shape_vec((rows, cols), numbers(rows * cols, seed))
            .unwrap()
    }

    /// A dot product summed in one running sum, first element first.
    fn one_sum(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
        x.iter().zip(y).fold(0.0, |sum, (a, b)| sum + a * b)
    }

    /// A dot product summed as ndarray sums two slices: element `i` into lane
    /// `i % 8`, the lanes paired (0 with 4, 1 with 5, …), then the rest.
    fn eight_lanes(x: &[f64], y: &[f64]) -> f64 {
        let whole = x.len() / 8 * 8;
        let mut lanes = [0.0; 8];
        for i in 0..whole {
            lanes[i % 8] += x[i] * y[i];
        }
        let mut sum = 0.0;
        for lane in 0..4 {
            sum += lanes[lane] + lanes[lane + 4];
        }
        (whole..x.len()).fold(sum, |sum, i| sum + x[i] * y[i])
    }

    /// `x·w` equals, to the bit, each row's dot product summed in ndarray's
    /// eight lanes.
    #[track_caller]
    fn assert_forward_as_ndarray(x: &Array2<f64>, w: &Array1<f64>) {
        let (z, w) = (x.dot(w), w.as_slice().unwrap());
        for (i, &z_i) in z.iter().enumerate() {
            assert_eq!(z_i, eight_lanes(x.row(i).as_slice().unwrap(), w));
        }
    }

    /// `xᵀ·e` equals, to the bit, each column's sum from the first row down.
    #[track_caller]
    fn assert_transposed_as_ndarray(x: &Array2<f64>, e: &Array1<f64>) {
        let gradient = x.t().dot(e);
        for (j, &g) in gradient.iter().enumerate() {
            assert_eq!(g, one_sum(x.column(j), e.view()), "column {j}");
        }
    }

    #[test]
    fn the_transposed_product_sums_each_column_from_the_first_row_down() {
        // 37 rows: nine groups of four side by side and one left over.
        let (x, error) = (matrix(37, 21, 1), Array1::from(numbers(37, 2)));
        assert_transposed_as_ndarray(&x, &error);
    }

    #[test]
    fn the_forward_product_sums_each_row_as_ndarray_sums_two_slices() {
        // 45 columns: five groups of eight and five left over; 13 rows.
        let (x, w) = (matrix(13, 45, 3), Array1::from(numbers(45, 4)));
        assert_forward_as_ndarray(&x, &w);
    }

    #[test]
    fn vectors_read_backwards_or_with_gaps_are_summed_in_their_own_order() {
        let x = matrix(6, 40, 5);
        let long = Array1::from(numbers(80, 6));
        for w in [long.slice(s![..40;-1]), long.slice(s![..;2])] {
            let z = x.dot(&w);
            for i in 0..6 {
                assert_eq!(z[i], one_sum(x.row(i), w));
            }
            // Long enough (40) for ndarray to call `cblas_ddot`.
            assert_eq!(x.row(0).dot(&w), one_sum(x.row(0), w));
        }
        let (a, b) = (long.slice(s![..40]), long.slice(s![40..]));
        assert_eq!(
            a.dot(&b),
            eight_lanes(a.as_slice().unwrap(), b.as_slice().unwrap())
        );
    }

    #[test]
    fn alpha_and_beta_scale_the_product_and_the_old_values() {
        let (a, x) = (matrix(5, 9, 7), Array1::from(numbers(9, 8)));
        let mut y = Array1::from(numbers(10, 9));
        let before = y.clone();
        general_mat_vec_mul(
            0.5,
            &a.t().t(),
            &x,
            2.0,
            &mut y.slice_mut(s![..;2]),
        );
        for i in 0..5 {
            let product = eight_lanes(
                a.row(i).as_slice().unwrap(),
                x.as_slice().unwrap(),
            );
            assert_eq!(y[2 * i], before[2 * i] * 2.0 + product * 0.5);
            assert_eq!(
                y[2 * i + 1],
                before[2 * i + 1],
                "untouched between the strides"
            );
        }
    }

    #[test]
    fn a_transposed_row_major_matrix_is_the_same_matrix_stored_by_columns() {
        let (a, x) = (matrix(4, 6, 10), numbers(4, 11));
        let mut by_rows = [0.0; 6];
        let mut by_columns = [0.0; 6];
        // SAFETY: a is a 4 × 6 row-major matrix (read as 6 × 4 by columns),
        // x has 4 elements and the results 6.
        unsafe {
            let a = a.as_ptr();
            cblas_dgemv(
                CblasRowMajor,
                CblasTrans,
                4,
                6,
                1.0,
                a,
                6,
                x.as_ptr(),
                1,
                0.0,
                by_rows.as_mut_ptr(),
                1,
            );
            cblas_dgemv(
                CblasColMajor,
                CblasNoTrans,
                6,
                4,
                1.0,
                a,
                6,
                x.as_ptr(),
                1,
                0.0,
                by_columns.as_mut_ptr(),
                1,
            );
        }
        assert_eq!(by_rows, by_columns);
        for (j, &value) in by_rows.iter().enumerate() {
            assert_eq!(value, one_sum(a.column(j), ArrayView1::from(&x)));
        }
    }

    #[test]
    fn single_precision_is_summed_the_same_way() {
        let x = matrix(9, 10, 12).mapv(|v| v as f32);
        let e = Array1::from(numbers(9, 13)).mapv(|v| v as f32);
        let gradient = x.t().dot(&e);
        for j in 0..10 {
            let expected = x
                .column(j)
                .iter()
                .zip(&e)
                .fold(0.0f32, |sum, (a, b)| sum + a * b);
            assert_eq!(gradient[j], expected);
        }
    }

    #[test]
    fn products_shared_between_threads_are_summed_as_by_one() {
        // 601 × 451 elements: more than SHARED, so two threads share each product.
        let x = matrix(601, 451, 16);
        assert!(x.len() >= SHARED);
        let (w, error) = (
            Array1::from(numbers(451, 17)),
            Array1::from(numbers(601, 18)),
        );
        assert_forward_as_ndarray(&x, &w);
        assert_transposed_as_ndarray(&x, &error);
    }

    #[test]
    fn products_with_nothing_in_them_are_empty_or_zero() {
        let no_rows = Array2::<f64>::zeros((0, 5));
        assert_eq!(no_rows.dot(&Array1::ones(5)).len(), 0);
        assert_eq!(no_rows.t().dot(&Array1::ones(0)), Array1::<f64>::zeros(5));
        let no_columns = Array2::<f64>::zeros((3, 0));
        assert_eq!(no_columns.dot(&Array1::ones(0)), Array1::<f64>::zeros(3));
        assert_eq!(no_columns.t().dot(&Array1::ones(3)).len(), 0);
    }

    /// `a · b` by the textbook's triple loop.
    fn textbook(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            one_sum(a.row(i), b.column(j))
        })
    }

    #[test]
    fn matrix_products_in_every_layout_equal_the_textbook_product() {
        let (a, b) = (matrix(9, 11, 14), matrix(11, 10, 15));
        let expected = textbook(&a, &b);
        let by_columns = |m: &Array2<f64>| {
            let mut f = Array2::zeros(m.raw_dim().f());
            f.assign(m);
            f
        };
        let (a_f, b_f) = (by_columns(&a), by_columns(&b));
        let (a_t, b_t) = (a.t().to_owned(), b.t().to_owned());
        let scale = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for left in [a.view(), a_f.view(), a_t.t()] {
            for right in [b.view(), b_f.view(), b_t.t()] {
                for mut c in
                    [Array2::zeros((9, 10)), Array2::zeros((9, 10).f())]
                {
                    ndarray::linalg::general_mat_mul(
                        1.0, &left, &right, 0.0, &mut c,
                    );
                    let most = (&c - &expected)
                        .iter()
                        .fold(0.0f64, |m, d| m.max(d.abs()));
                    assert!(
                        most <= 1e-14 * scale,
                        "differs by {most} of {scale}"
                    );
                }
            }
        }
    }

    #[test]
    fn complex_products_conjugate_where_asked() {
        // a is 2 × 3; conj(a)ᵀ · b for b 2 × 2, all row-major.
        let a: Vec<[f64; 2]> =
            (0..6).map(|i| [i as f64, 1.0 - i as f64]).collect();
        let b: Vec<[f64; 2]> =
            (0..4).map(|i| [1.0 + i as f64, i as f64 * 0.5]).collect();
        let mut c = vec![[0.0; 2]; 6];
        let (one, zero) = ([1.0, 0.0], [0.0, 0.0]);
        // SAFETY: the sizes match the vectors.
        unsafe {
            cblas_zgemm(
                CblasRowMajor,
                CblasConjTrans,
                CblasNoTrans,
                3,
                2,
                2,
                &one,
                a.as_ptr(),
                3,
                b.as_ptr(),
                2,
                &zero,
                c.as_mut_ptr(),
                2,
            );
        }
        let times =
            |[p, q]: [f64; 2], [r, s]: [f64; 2]| [p * r - q * s, p * s + q * r];
        for i in 0..3 {
            for j in 0..2 {
                let mut expected = [0.0, 0.0];
                for k in 0..2 {
                    let [re, im] = a[k * 3 + i];
                    let term = times([re, -im], b[k * 2 + j]);
                    expected = [expected[0] + term[0], expected[1] + term[1]];
                }
                assert!((c[i * 2 + j][0] - expected[0]).abs() < 1e-12);
                assert!((c[i * 2 + j][1] - expected[1]).abs() < 1e-12);
            }
        }
    }
}
