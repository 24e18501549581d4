/**
 * Orders strings by their UTF-16 code units, as `<` does: the same order on every machine and
 * locale (ids and keys, where lock order or a stable sort depends on it).
 */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
