/** Per-class precision, recall, F1 and support. */
export interface ClassScores {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** A classification report: accuracy, per-class and macro scores, and the confusion matrix (rows = truth, columns = prediction). */
export interface ClassificationReport {
  readonly count: number;
  readonly accuracy: number;
  readonly macro: { readonly precision: number; readonly recall: number; readonly f1: number };
  readonly weighted: { readonly precision: number; readonly recall: number; readonly f1: number };
  readonly perClass: readonly ClassScores[];
  readonly labels: readonly string[];
  readonly confusion: readonly (readonly number[])[];
}

/** Confusion matrix over class indices `0..numClasses-1`; rows are true classes, columns predicted. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new RangeError(`yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t >= 0 && t < numClasses && p >= 0 && p < numClasses) m[t]![p]!++;
  }
  return m;
}

/** Scores from a confusion matrix. A class with no predictions has precision 0 (as scikit-learn's zero_division=0). */
export function reportFromConfusion(confusion: readonly (readonly number[])[], labels?: readonly string[]): ClassificationReport {
  const k = confusion.length;
  const names = labels ?? Array.from({ length: k }, (_, i) => String(i));
  let total = 0;
  let correct = 0;
  const perClass: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    const tp = confusion[c]![c]!;
    let rowSum = 0;
    let colSum = 0;
    for (let j = 0; j < k; j++) {
      rowSum += confusion[c]![j]!;
      colSum += confusion[j]![c]!;
    }
    total += rowSum;
    correct += tp;
    const precision = colSum === 0 ? 0 : tp / colSum;
    const recall = rowSum === 0 ? 0 : tp / rowSum;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ label: names[c] ?? String(c), precision, recall, f1, support: rowSum });
  }
  const mean = (f: (s: ClassScores) => number): number => (k === 0 ? 0 : perClass.reduce((a, s) => a + f(s), 0) / k);
  const wmean = (f: (s: ClassScores) => number): number => (total === 0 ? 0 : perClass.reduce((a, s) => a + f(s) * s.support, 0) / total);
  return {
    count: total,
    accuracy: total === 0 ? 0 : correct / total,
    macro: { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) },
    weighted: { precision: wmean((s) => s.precision), recall: wmean((s) => s.recall), f1: wmean((s) => s.f1) },
    perClass,
    labels: names,
    confusion: confusion.map((r) => [...r]),
  };
}

/** Accuracy, per-class and macro precision/recall/F1 and the confusion matrix for class-index predictions. */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
  labels?: readonly string[],
): ClassificationReport {
  return reportFromConfusion(confusionMatrix(yTrue, yPred, numClasses), labels);
}

/** Fraction of equal entries. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length === 0) return 0;
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Binary precision, recall and F1 for the class `positive` (default 1). */
export function binaryScores(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positive = 1,
): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === positive;
    const p = yPred[i] === positive;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** Index of the largest value in each row of a row-major [n, k] matrix. */
export function argmaxRows(values: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = values[i * k + j]!;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
