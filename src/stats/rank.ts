/** Spearman's rank correlation, ties given their average rank. */

function ranks(values: ArrayLike<number>, n: number): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k] as number] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman's rho of the first n pairs; NaN with fewer than 3 pairs or a constant side. */
export function spearman(xs: ArrayLike<number>, ys: ArrayLike<number>, n = Math.min(xs.length, ys.length)): number {
  if (n < 3) return Number.NaN;
  const rx = ranks(xs, n);
  const ry = ranks(ys, n);
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mean;
    const dy = (ry[i] as number) - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
