//! The generator's own seeded PRNG (xoshiro256** seeded through splitmix64) and the
//! distributions it needs: uniform, normal (Box-Muller), gamma (Marsaglia-Tsang), chi-square,
//! unit-variance Student-t and Poisson. Bit-for-bit reproducible on every platform.

/// One step of splitmix64: used to expand a 64-bit seed into the xoshiro state.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** with a cached second Box-Muller normal.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator for `seed`; different `stream`s of one seed are independent sequences.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for v in &mut s {
            *v = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1; // the all-zero state is the one fixed point of xoshiro
        }
        Self { s, spare_normal: None }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe under `ln`.
    #[inline]
    pub fn uniform_open(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// Uniform integer in `0..n` (`n > 0`), by multiply-shift.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let r = (-2.0 * self.uniform_open().ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * self.uniform()).sin_cos();
        self.spare_normal = Some(r * s);
        r * c
    }

    /// Gamma(shape, 1) by Marsaglia-Tsang; shapes below 1 use the `U^(1/a)` boost.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform_open();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape.max(1e-3));
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform_open();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Chi-square with `dof` degrees of freedom.
    #[inline]
    pub fn chi_square(&mut self, dof: f64) -> f64 {
        2.0 * self.gamma(dof / 2.0)
    }

    /// Poisson count with mean `lambda` (Knuth's product method; `lambda` is capped at 30).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        let limit = (-lambda.min(30.0)).exp();
        let mut k = 0u32;
        let mut p = self.uniform_open();
        while p > limit {
            k += 1;
            p *= self.uniform_open();
        }
        k
    }
}

/// Scale that turns `normal * sqrt(dof / chi2)` (a Student-t) into unit variance.
#[inline]
pub fn t_unit_scale(dof: f64, chi2: f64) -> f64 {
    ((dof - 2.0) / chi2.max(1e-12)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of splitmix64 from state 0 (the reference C implementation).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn seeds_and_streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, 0);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::new(7, 0);
        assert_eq!(a, (0..4).map(|_| r.next_u64()).collect::<Vec<_>>());
        assert_ne!(Rng::new(7, 1).next_u64(), a[0]);
        assert_ne!(Rng::new(8, 0).next_u64(), a[0]);
    }

    #[test]
    fn moments_of_the_distributions() {
        let mut r = Rng::new(1, 0);
        let n = 200_000;
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            s1 += z;
            s2 += z * z;
        }
        assert!((s1 / n as f64).abs() < 0.01, "normal mean {}", s1 / n as f64);
        assert!((s2 / n as f64 - 1.0).abs() < 0.02, "normal var {}", s2 / n as f64);
        // Gamma(3) has mean 3; chi-square(5) mean 5; Poisson(2.5) mean 2.5.
        let g: f64 = (0..n).map(|_| r.gamma(3.0)).sum::<f64>() / n as f64;
        assert!((g - 3.0).abs() < 0.03, "gamma mean {g}");
        let g: f64 = (0..n).map(|_| r.gamma(0.5)).sum::<f64>() / n as f64;
        assert!((g - 0.5).abs() < 0.01, "gamma(0.5) mean {g}");
        let c: f64 = (0..n).map(|_| r.chi_square(5.0)).sum::<f64>() / n as f64;
        assert!((c - 5.0).abs() < 0.05, "chi2 mean {c}");
        let p: f64 = (0..n).map(|_| r.poisson(2.5) as f64).sum::<f64>() / n as f64;
        assert!((p - 2.5).abs() < 0.02, "poisson mean {p}");
        // Unit-variance Student-t with 5 dof.
        let v: f64 = (0..n)
            .map(|_| {
                let z = r.normal() * t_unit_scale(5.0, r.chi_square(5.0));
                z * z
            })
            .sum::<f64>()
            / n as f64;
        assert!((v - 1.0).abs() < 0.05, "t variance {v}");
        assert!((0..1000).all(|_| r.below(6) < 6));
    }
}
