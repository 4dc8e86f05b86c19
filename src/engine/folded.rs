//! The normalization folded into the model: training on raw bytes, where a
//! blank pixel costs nothing.
//!
//! The model sees normalized pixels `x̃ = (x - μ) / σ`, where `x` is the raw
//! byte. The normalization is affine, so with `S = Σⱼ wⱼ`
//!
//! - the forward pass is `w·x̃ + b = (w·x - μ·S) / σ + b`, and
//! - the gradient is `Σᵢ eᵢ·x̃ᵢ = (Σᵢ eᵢ·xᵢ - μ·(Σᵢ eᵢ)·1) / σ`.
//!
//! In both, a zero byte adds nothing, so a row costs what its ink costs
//! ([`Pixels`] keeps only its groups of ink). The part of the gradient that
//! is the same for every weight, `-μ·(Σᵢ eᵢ) / σ`, is kept as one number, a
//! `shift` that every weight shares (`w = v + shift`), so that a step too
//! touches only the weights of the pixels with ink. `S` is kept up to date
//! from the row sums `Σⱼ xᵢⱼ`, and recomputed exactly once per epoch.
//!
//! The results are those of [`gradient_descent`](crate::gradient_descent) on
//! the normalized `f64` images up to rounding (`tests/engine.rs` holds them
//! to within 1e-10); they are the same on every processor, whichever copy of
//! the arithmetic runs and however many threads.

use std::ops::Range;

use ndarray::{Array1, ArrayView1};

use super::model::{Model, Predict};
use super::pixels::{Ink, Pixels};
use super::rows::{PREFETCH_AHEAD, prefetch};
use crate::{Activation, Loss};

// ANCHOR: folded
/// The model `activation(w·x̃ + b)` with the normalization folded in, on
/// images kept as [`Pixels`].
#[derive(Debug, Clone)]
pub struct Folded<'a> {
    pixels: &'a Pixels,
    y: ArrayView1<'a, f64>,
    /// The order the current epoch visits the rows in.
    order: Vec<usize>,
    /// The weights less their shared part: `wⱼ = v[j] + shift`. Eight
    /// entries per group of pixels; those past the last pixel stay 0.
    v: Vec<f64>,
    shift: f64,
    /// `Σⱼ v[j]`, so that `S = v_sum + width · shift`.
    v_sum: f64,
    b: f64,
    /// The gradient sums of a batch in raw bytes: `Σᵢ eᵢ·xᵢ` (`grad`),
    /// `Σᵢ eᵢ` and `Σᵢ eᵢ·(Σⱼ xᵢⱼ)`.
    grad: Vec<f64>,
    error_sum: f64,
    ink_sum: f64,
    prefetch: bool,
    threads: bool,
    kernels: Kernels,
}
// ANCHOR_END: folded

impl<'a> Folded<'a> {
    /// The model with weights `w` and bias `b` on `pixels` and targets `y`.
    pub fn new(
        pixels: &'a Pixels,
        y: ArrayView1<'a, f64>,
        (w, b): (ArrayView1<'_, f64>, f64),
        (prefetch, wide, threads): (bool, bool, bool),
    ) -> Self {
        let mut v = vec![0.0; 8 * pixels.groups()];
        for (v, &w) in v.iter_mut().zip(w) {
            *v = w;
        }
        Self {
            pixels,
            y,
            order: (0..pixels.nrows()).collect(),
            v_sum: lane_sum(&v),
            v,
            shift: 0.0,
            b,
            grad: vec![0.0; 8 * pixels.groups()],
            error_sum: 0.0,
            ink_sum: 0.0,
            prefetch,
            threads,
            kernels: Kernels::new(wide),
        }
    }

    /// `1 / σ` as the normalization divides: by 1 where σ is 0.
    fn std(&self) -> f64 {
        let std = self.pixels.normalization().std;
        if std == 0.0 { 1.0 } else { std }
    }

    /// What the forward pass subtracts from `w·x` for every row: `μ·S`.
    #[inline(always)]
    fn offset(&self) -> f64 {
        let width = self.pixels.ncols() as f64;
        let total = self.v_sum + width * self.shift;
        self.pixels.normalization().mean * total
    }

    /// The prediction for row `i` before the activation, `w·x̃ᵢ + b`, with
    /// `offset` from [`Folded::offset`] at the current parameters.
    #[inline(always)]
    fn z(&self, i: usize, offset: f64) -> f64 {
        let raw = self.kernels.dot(self.pixels.row(i), &self.v)
            + self.shift * self.pixels.row_sum(i);
        (raw - offset) / self.std() + self.b
    }

    /// Asks for the ink of the row `PREFETCH_AHEAD` places after place `k`.
    #[inline(always)]
    fn prefetch_ahead(&self, k: usize) {
        let ahead =
            self.order.get(k + PREFETCH_AHEAD).filter(|_| self.prefetch);
        if let Some(&i) = ahead {
            let ink = self.pixels.row(i);
            let bytes = size_of_val(ink);
            let start = ink.as_ptr().cast::<u8>();
            for at in (0..bytes).step_by(64) {
                prefetch(start.wrapping_add(at));
            }
        }
    }

    /// A step of `rate` from the gradient sums of `batch_len` samples:
    /// `w ← w - rate·(Σᵢ eᵢ·x̃ᵢ) / batch_len`, folded.
    #[inline(always)]
    fn step(&mut self, batch_len: usize, rate: f64) {
        let batch_len = batch_len as f64;
        let a = rate / (self.std() * batch_len);
        for (v, &g) in self.v.iter_mut().zip(&self.grad) {
            *v -= a * g;
        }
        let mean = self.pixels.normalization().mean;
        self.shift += a * (mean * self.error_sum);
        self.v_sum -= a * self.ink_sum;
        self.b -= rate * (self.error_sum / batch_len);
    }
}

// ANCHOR: folded_kernels
/// Eight `f64`, one per pixel of a group, held as one kind of kernel holds
/// them: an array for the portable kernels, vector registers for the
/// others. Each kernel is written once, over a `Lanes`.
///
/// # Safety
/// A type's functions may run only where the processor has its
/// instructions.
trait Lanes: Copy {
    /// Eight zeros.
    unsafe fn zero() -> Self;
    /// `a` in every lane.
    unsafe fn splat(a: f64) -> Self;
    /// The eight bytes of a group as `f64`.
    unsafe fn values(group: &Ink) -> Self;
    /// Eight values from memory.
    unsafe fn load(from: &[f64; 8]) -> Self;
    /// The eight values written to memory.
    unsafe fn store(self, to: &mut [f64; 8]);
    /// `self + a·x`, lane by lane: a product, then a sum (never fused, so
    /// that every kind rounds alike).
    unsafe fn add_product(self, a: Self, x: Self) -> Self;
    /// `self + other`, lane by lane.
    unsafe fn add(self, other: Self) -> Self;
}

/// `Σⱼ xⱼ·vⱼ` over the groups of ink of a row: eight running sums for the
/// even groups and eight for the odd ones, so that each addition waits for
/// the one two groups back, combined lane by lane, then across lanes.
///
/// # Safety
/// The processor must have the instructions of `L`.
#[inline(always)]
unsafe fn dot<L: Lanes>(ink: &[Ink], v: &[f64]) -> f64 {
    // SAFETY: the caller's.
    unsafe {
        let (mut even, mut odd) = (L::zero(), L::zero());
        let mut pairs = ink.chunks_exact(2);
        for pair in &mut pairs {
            even = add_group(even, &pair[0], v);
            odd = add_group(odd, &pair[1], v);
        }
        if let [last] = pairs.remainder() {
            even = add_group(even, last, v);
        }
        let mut lanes = [0.0; 8];
        even.add(odd).store(&mut lanes);
        combine(lanes)
    }
}

/// `sums + x·w` for the bytes `x` of `group` and their weights `w` in `v`.
///
/// # Safety
/// The processor must have the instructions of `L`.
#[inline(always)]
unsafe fn add_group<L: Lanes>(sums: L, group: &Ink, v: &[f64]) -> L {
    let at = 8 * group.group as usize;
    let w = v[at..at + 8].try_into().expect("eight weights");
    // SAFETY: the caller's.
    unsafe { sums.add_product(L::values(group), L::load(w)) }
}

/// Eight lanes summed as `(p0 + p4) + (p1 + p5) + ((p2 + p6) + (p3 + p7))`.
#[inline(always)]
fn combine(p: [f64; 8]) -> f64 {
    (p[0] + p[4]) + (p[1] + p[5]) + ((p[2] + p[6]) + (p[3] + p[7]))
}

/// `acc ← acc + a·x` over the groups of ink of a row.
///
/// # Safety
/// The processor must have the instructions of `L`.
#[inline(always)]
unsafe fn add_scaled<L: Lanes>(acc: &mut [f64], a: f64, ink: &[Ink]) {
    // SAFETY: the caller's.
    unsafe {
        let a = L::splat(a);
        for group in ink {
            let at = 8 * group.group as usize;
            let acc: &mut [f64; 8] =
                (&mut acc[at..at + 8]).try_into().expect("eight sums");
            L::load(acc).add_product(a, L::values(group)).store(acc);
        }
    }
}

/// The portable lanes: what the compiler makes of eight `f64`.
impl Lanes for [f64; 8] {
    #[inline(always)]
    unsafe fn zero() -> Self {
        [0.0; 8]
    }
    #[inline(always)]
    unsafe fn splat(a: f64) -> Self {
        [a; 8]
    }
    #[inline(always)]
    unsafe fn values(group: &Ink) -> Self {
        group.bytes.map(f64::from)
    }
    #[inline(always)]
    unsafe fn load(from: &[f64; 8]) -> Self {
        *from
    }
    #[inline(always)]
    unsafe fn store(self, to: &mut [f64; 8]) {
        *to = self;
    }
    #[inline(always)]
    unsafe fn add_product(self, a: Self, x: Self) -> Self {
        std::array::from_fn(|lane| self[lane] + a[lane] * x[lane])
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        std::array::from_fn(|lane| self[lane] + other[lane])
    }
}
// ANCHOR_END: folded_kernels

/// AVX2's lanes: two vectors of four `f64`, lanes 0–3 and 4–7.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx2(std::arch::x86_64::__m256d, std::arch::x86_64::__m256d);

#[cfg(target_arch = "x86_64")]
impl Lanes for Avx2 {
    #[inline(always)]
    unsafe fn zero() -> Self {
        use std::arch::x86_64::*;
        // SAFETY: the caller's: the processor has AVX2.
        unsafe { Self(_mm256_setzero_pd(), _mm256_setzero_pd()) }
    }
    #[inline(always)]
    unsafe fn splat(a: f64) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe { Self(_mm256_set1_pd(a), _mm256_set1_pd(a)) }
    }
    #[inline(always)]
    unsafe fn values(group: &Ink) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe {
            let bytes = _mm_set_epi64x(0, i64::from_le_bytes(group.bytes));
            let high = _mm_srli_si128::<4>(bytes);
            Self(
                _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(bytes)),
                _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(high)),
            )
        }
    }
    #[inline(always)]
    unsafe fn load(from: &[f64; 8]) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`; `from` holds eight values.
        unsafe {
            let at = from.as_ptr();
            Self(_mm256_loadu_pd(at), _mm256_loadu_pd(at.add(4)))
        }
    }
    #[inline(always)]
    unsafe fn store(self, to: &mut [f64; 8]) {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`; `to` holds eight values.
        unsafe {
            let at = to.as_mut_ptr();
            _mm256_storeu_pd(at, self.0);
            _mm256_storeu_pd(at.add(4), self.1);
        }
    }
    #[inline(always)]
    unsafe fn add_product(self, a: Self, x: Self) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe {
            Self(
                _mm256_add_pd(self.0, _mm256_mul_pd(a.0, x.0)),
                _mm256_add_pd(self.1, _mm256_mul_pd(a.1, x.1)),
            )
        }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe {
            Self(
                _mm256_add_pd(self.0, other.0),
                _mm256_add_pd(self.1, other.1),
            )
        }
    }
}

// ANCHOR: folded_kernels_avx512
/// AVX-512's lanes: a group of eight pixels is one vector of eight `f64`.
/// The kernels above run on them with the same operations on the same
/// lanes in the same order, so they give the same results bit for bit.
#[cfg(target_arch = "x86_64")]
#[rustversion::since(1.89)]
#[derive(Clone, Copy)]
struct Avx512(std::arch::x86_64::__m512d);

#[cfg(target_arch = "x86_64")]
#[rustversion::since(1.89)]
impl Lanes for Avx512 {
    #[inline(always)]
    unsafe fn zero() -> Self {
        use std::arch::x86_64::*;
        // SAFETY: the caller's: the processor has AVX-512.
        unsafe { Self(_mm512_setzero_pd()) }
    }
    #[inline(always)]
    unsafe fn splat(a: f64) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe { Self(_mm512_set1_pd(a)) }
    }
    #[inline(always)]
    unsafe fn values(group: &Ink) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe {
            let bytes = _mm_set_epi64x(0, i64::from_le_bytes(group.bytes));
            Self(_mm512_cvtepi32_pd(_mm256_cvtepu8_epi32(bytes)))
        }
    }
    #[inline(always)]
    unsafe fn load(from: &[f64; 8]) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`; `from` holds eight values.
        unsafe { Self(_mm512_loadu_pd(from.as_ptr())) }
    }
    #[inline(always)]
    unsafe fn store(self, to: &mut [f64; 8]) {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`; `to` holds eight values.
        unsafe { _mm512_storeu_pd(to.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    unsafe fn add_product(self, a: Self, x: Self) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe { Self(_mm512_add_pd(self.0, _mm512_mul_pd(a.0, x.0))) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        use std::arch::x86_64::*;
        // SAFETY: as in `zero`.
        unsafe { Self(_mm512_add_pd(self.0, other.0)) }
    }
}
// ANCHOR_END: folded_kernels_avx512

/// Declares `$dot` and `$add_scaled`, [`dot`] and [`add_scaled`] on the
/// lanes `$lanes`, compiled for the instructions of `$feature` so that the
/// lanes' instructions are, with `$attribute`s on both.
///
/// # Safety
/// They may run only where the processor has `$feature`.
macro_rules! compiled_for {
    (
        $(#[$attribute:meta])*
        $feature:literal, $lanes:ty, $dot:ident, $add_scaled:ident
    ) => {
        $(#[$attribute])*
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn $dot(ink: &[Ink], v: &[f64]) -> f64 {
            // SAFETY: the caller's: the processor has `$feature`.
            unsafe { dot::<$lanes>(ink, v) }
        }

        $(#[$attribute])*
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn $add_scaled(acc: &mut [f64], a: f64, ink: &[Ink]) {
            // SAFETY: as in `$dot`.
            unsafe { add_scaled::<$lanes>(acc, a, ink) }
        }
    };
}

compiled_for!(
    #[cfg(target_arch = "x86_64")]
    "avx2",
    Avx2,
    dot_avx2,
    add_scaled_avx2
);

compiled_for!(
    #[cfg(target_arch = "x86_64")]
    #[rustversion::since(1.89)]
    "avx512f",
    Avx512,
    dot_avx512,
    add_scaled_avx512
);

/// Whether this processor has AVX-512 and this build its kernels: the
/// instructions reached stable Rust in 1.89, and older compilers build the
/// others only, standing in for the AVX-512 ones.
#[cfg(target_arch = "x86_64")]
#[rustversion::since(1.89)]
fn avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

#[cfg(target_arch = "x86_64")]
#[rustversion::before(1.89)]
fn avx512() -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
#[rustversion::before(1.89)]
use {portable_add_scaled as add_scaled_avx512, portable_dot as dot_avx512};

/// [`dot`] on the portable lanes, which every processor has.
#[inline(always)]
fn portable_dot(ink: &[Ink], v: &[f64]) -> f64 {
    // SAFETY: arrays of `f64` need no instructions of their own.
    unsafe { dot::<[f64; 8]>(ink, v) }
}

/// [`add_scaled`] on the portable lanes.
#[inline(always)]
fn portable_add_scaled(acc: &mut [f64], a: f64, ink: &[Ink]) {
    // SAFETY: as in `portable_dot`.
    unsafe { add_scaled::<[f64; 8]>(acc, a, ink) }
}

/// The widest kernels the processor at hand has, and the tuning allows:
/// AVX-512, AVX2 or the portable ones, which all give the same results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernels {
    /// Eight `f64` per instruction.
    Avx512,
    /// Four `f64` per instruction.
    Avx2,
    /// What the compiler makes of the portable code.
    Portable,
}

impl Kernels {
    /// The widest kernels of this processor, or the portable ones if not
    /// `wide`.
    pub fn new(wide: bool) -> Self {
        #[cfg(target_arch = "x86_64")]
        if wide && avx512() {
            return Self::Avx512;
        }
        #[cfg(target_arch = "x86_64")]
        if wide && std::arch::is_x86_feature_detected!("avx2") {
            return Self::Avx2;
        }
        let _ = wide;
        Self::Portable
    }

    #[inline(always)]
    fn dot(self, ink: &[Ink], v: &[f64]) -> f64 {
        match self {
            // SAFETY: `Kernels::new` picks these only where the processor
            // has the instructions.
            #[cfg(target_arch = "x86_64")]
            #[allow(
                unused_unsafe,
                reason = "before Rust 1.89 these are the portable kernels"
            )]
            Self::Avx512 => unsafe { dot_avx512(ink, v) },
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => unsafe { dot_avx2(ink, v) },
            _ => portable_dot(ink, v),
        }
    }

    #[inline(always)]
    fn add_scaled(self, acc: &mut [f64], a: f64, ink: &[Ink]) {
        match self {
            // SAFETY: `Kernels::new` picks these only where the processor
            // has the instructions.
            #[cfg(target_arch = "x86_64")]
            #[allow(
                unused_unsafe,
                reason = "before Rust 1.89 these are the portable kernels"
            )]
            Self::Avx512 => unsafe { add_scaled_avx512(acc, a, ink) },
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => unsafe { add_scaled_avx2(acc, a, ink) },
            _ => portable_add_scaled(acc, a, ink),
        }
    }
}

/// The sum of `values` in eight lanes, in the same order on every processor.
#[inline(always)]
fn lane_sum(values: &[f64]) -> f64 {
    let mut p = [0.0; 8];
    for eight in values.chunks_exact(8) {
        for lane in 0..8 {
            p[lane] += eight[lane];
        }
    }
    let rest: f64 = values.chunks_exact(8).remainder().iter().sum();
    combine(p) + rest
}

// ANCHOR: whole_set
/// What a pass over a range of rows sums: the loss, and for a full batch
/// the gradient sums at the same parameters.
#[derive(Debug, Clone)]
struct Sums {
    loss: f64,
    grad: Option<Vec<f64>>,
    error_sum: f64,
    ink_sum: f64,
}

/// How many parts a pass over the whole data set is cut into, whatever the
/// machine: the parts are summed in order, so the results do not depend on
/// how many threads computed them.
const PARTS: usize = 2;

impl Folded<'_> {
    /// The loss summed over `rows` (and with `gradient`, the gradient sums
    /// at the same parameters), in row order.
    #[inline(always)]
    fn part(
        &self,
        rows: Range<usize>,
        (loss, activation): (Loss, Activation),
        gradient: bool,
    ) -> Sums {
        let offset = self.offset();
        let mut grad = gradient.then(|| vec![0.0; self.v.len()]);
        let (mut total, mut error_sum, mut ink_sum) = (0.0, 0.0, 0.0);
        for i in rows {
            let prediction = activation.apply_scalar(self.z(i, offset));
            total += loss.per_sample(prediction, self.y[i]);
            if let Some(grad) = &mut grad {
                let error = prediction - self.y[i];
                self.kernels.add_scaled(grad, error, self.pixels.row(i));
                error_sum += error;
                ink_sum += error * self.pixels.row_sum(i);
            }
        }
        Sums {
            loss: total,
            grad,
            error_sum,
            ink_sum,
        }
    }

    /// The mean loss over every row (and with `gradient`, the gradient sums
    /// into the model's buffers), the parts on two threads where the tuning
    /// allows and the machine has two cores.
    #[inline(always)]
    fn whole_set(
        &mut self,
        functions: (Loss, Activation),
        gradient: bool,
    ) -> f64 {
        self.v_sum = lane_sum(&self.v);
        let n = self.pixels.nrows();
        let part = |k: usize| k * n / PARTS..(k + 1) * n / PARTS;
        let parallel = self.threads
            && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
        let parts: Vec<Sums> = if parallel {
            let this = &*self;
            std::thread::scope(|scope| {
                let others: Vec<_> = (1..PARTS)
                    .map(|k| {
                        scope.spawn(move || {
                            this.part_fastest(part(k), functions, gradient)
                        })
                    })
                    .collect();
                let first = this.part(part(0), functions, gradient);
                let rest =
                    others.into_iter().map(|t| t.join().expect("a part"));
                std::iter::once(first).chain(rest).collect()
            })
        } else {
            (0..PARTS)
                .map(|k| self.part(part(k), functions, gradient))
                .collect()
        };
        let mut loss = 0.0;
        if gradient {
            self.grad.fill(0.0);
            self.error_sum = 0.0;
            self.ink_sum = 0.0;
        }
        for sums in parts {
            loss += sums.loss;
            if let Some(grad) = sums.grad {
                for (total, g) in self.grad.iter_mut().zip(grad) {
                    *total += g;
                }
                self.error_sum += sums.error_sum;
                self.ink_sum += sums.ink_sum;
            }
        }
        loss / n as f64
    }
}
// ANCHOR_END: whole_set

impl Folded<'_> {
    /// [`Folded::part`] in the copy compiled for AVX2 where the processor
    /// has it: what a thread of its own runs.
    fn part_fastest(
        &self,
        rows: Range<usize>,
        functions: (Loss, Activation),
        gradient: bool,
    ) -> Sums {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just been found to support AVX2.
            return unsafe { part_avx2(self, rows, functions, gradient) };
        }
        self.part(rows, functions, gradient)
    }
}

/// [`Folded::part`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn part_avx2(
    model: &Folded<'_>,
    rows: Range<usize>,
    functions: (Loss, Activation),
    gradient: bool,
) -> Sums {
    model.part(rows, functions, gradient)
}

// ANCHOR: folded_model
impl Model for Folded<'_> {
    fn samples(&self) -> usize {
        self.pixels.nrows()
    }

    fn set_order(&mut self, order: Vec<usize>) {
        self.order = order;
    }

    fn order(&self) -> &[usize] {
        &self.order
    }

    #[inline(always)]
    fn batch_step(
        &mut self,
        batch: Range<usize>,
        rate: f64,
        activation: Activation,
    ) {
        self.grad.fill(0.0);
        let (mut error_sum, mut ink_sum) = (0.0, 0.0);
        let offset = self.offset();
        let batch_len = batch.len();
        for k in batch {
            self.prefetch_ahead(k);
            let i = self.order[k];
            let error = activation.apply_scalar(self.z(i, offset)) - self.y[i];
            self.kernels
                .add_scaled(&mut self.grad, error, self.pixels.row(i));
            error_sum += error;
            ink_sum += error * self.pixels.row_sum(i);
        }
        self.error_sum = error_sum;
        self.ink_sum = ink_sum;
        self.step(batch_len, rate);
    }

    #[inline(always)]
    fn sample_steps(
        &mut self,
        mut rate: impl FnMut() -> f64,
        activation: Activation,
    ) {
        let mean = self.pixels.normalization().mean;
        let std = self.std();
        for k in 0..self.order.len() {
            self.prefetch_ahead(k);
            let i = self.order[k];
            let error =
                activation.apply_scalar(self.z(i, self.offset())) - self.y[i];
            let a = rate() * error;
            let ink = self.pixels.row(i);
            self.kernels.add_scaled(&mut self.v, -(a / std), ink);
            self.shift += a * (mean / std);
            self.v_sum -= (a / std) * self.pixels.row_sum(i);
            self.b -= a;
        }
    }

    #[inline(always)]
    fn mean_loss(&mut self, loss: Loss, activation: Activation) -> f64 {
        self.whole_set((loss, activation), false)
    }

    #[inline(always)]
    fn full_gradient(&mut self, activation: Activation) {
        // Any loss will do: only the gradient is kept.
        self.whole_set((Loss::Mse, activation), true);
    }

    #[inline(always)]
    fn full_step(&mut self, rate: f64) {
        self.step(self.pixels.nrows(), rate);
    }

    #[inline(always)]
    fn loss_and_full_gradient(
        &mut self,
        loss: Loss,
        activation: Activation,
    ) -> f64 {
        self.whole_set((loss, activation), true)
    }

    fn weights(&self) -> Array1<f64> {
        let width = self.pixels.ncols();
        self.v[..width].iter().map(|&v| v + self.shift).collect()
    }

    fn bias(&self) -> f64 {
        self.b
    }
}
// ANCHOR_END: folded_model

impl Predict for Pixels {
    fn dim(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }

    /// Computed on the bytes with the normalization folded in.
    fn predictions(&self, w: &[f64], b: f64, f: Activation) -> Array1<f64> {
        let (y, w) = (Array1::zeros(self.nrows()), ArrayView1::from(w));
        let model = Folded::new(self, y.view(), (w, b), (false, true, false));
        let offset = model.offset();
        (0..self.nrows())
            .map(|i| f.apply_scalar(model.z(i, offset)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::Normalization;

    /// Every kind of kernel this processor has gives the portable results,
    /// bit for bit; the test says which kinds it could not check.
    #[test]
    fn every_kernel_gives_the_portable_results() {
        let bytes = Array2::from_shape_fn((9, 83), |(i, j)| {
            if (i * 7 + j / 8) % 3 == 0 {
                0
            } else {
                ((i * 131 + j * 17) % 256) as u8
            }
        });
        let pixels = Pixels::new(
            &bytes,
            &Normalization {
                mean: 1.0,
                std: 2.0,
            },
        );
        let v: Vec<f64> = (0..8 * pixels.groups())
            .map(|j| (j as f64 * 0.731).sin())
            .collect();
        let mut kinds = vec![Kernels::Portable];
        #[cfg(target_arch = "x86_64")]
        for (kind, feature) in
            [(Kernels::Avx2, "avx2"), (Kernels::Avx512, "avx512f")]
        {
            let has = match feature {
                "avx2" => std::arch::is_x86_feature_detected!("avx2"),
                _ => std::arch::is_x86_feature_detected!("avx512f"),
            };
            if has {
                kinds.push(kind);
            } else {
                eprintln!("skipped: this processor has no {feature}");
            }
        }
        for i in 0..pixels.nrows() {
            let ink = pixels.row(i);
            let expected = portable_dot(ink, &v).to_bits();
            let mut sums = v.clone();
            portable_add_scaled(&mut sums, -0.37, ink);
            for kind in &kinds {
                assert_eq!(kind.dot(ink, &v).to_bits(), expected, "{kind:?}");
                let mut found = v.clone();
                kind.add_scaled(&mut found, -0.37, ink);
                assert_eq!(found, sums, "{kind:?}");
            }
        }
    }
}
