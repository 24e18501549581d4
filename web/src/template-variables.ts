// The {variables} an agent's greeting and prompt use, read as the server reads templates
// (src/domain/template.ts: anything in braces but braces and line breaks, trimmed), each once,
// in order of first use.
export function templateVariables(...texts: string[]): string[] {
  const seen = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(/\{([^{}\n]*)\}/g)) {
      const name = m[1]!.trim();
      if (name !== '') seen.add(name);
    }
  }
  return [...seen];
}
