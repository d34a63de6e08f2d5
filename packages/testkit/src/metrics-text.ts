/**
 * Reading a `/metrics` page in tests: the value of one series, matched on every label but
 * `service` (the registry's default label, present on every series). Undefined when absent.
 */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    const { service: _service, ...rest } = found;
    const keys = Object.keys(rest);
    if (keys.length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => rest[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** `metricSample` read as a count that starts at 0 before the series exists. */
export function metricCount(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricSample(text, name, labels) ?? 0;
}
