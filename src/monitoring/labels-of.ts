/** The class labels of a logged `predicted` value: one label, or each row's of a multi-row request (a JSON array). */
export function labelsOf(v: string): string[] {
  if (v.startsWith('[')) {
    try {
      const a = JSON.parse(v) as unknown;
      if (Array.isArray(a)) return a.map(String);
    } catch {
      // a label that merely starts with '['
    }
  }
  return [v];
}
