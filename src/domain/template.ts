// Agent greetings and prompts use `{column}` placeholders filled from a CSV row's variables.

const PLACEHOLDER = /\{([^{}\n]*)\}/g;

/** Fills every `{name}`; an unknown name renders as empty text, never as the literal braces. */
export function renderTemplate(
  template: string,
  variables: Readonly<Record<string, string>>,
): string {
  // Own properties only: a column named `constructor` must not reach Object.prototype.
  const value = (name: string) => (Object.hasOwn(variables, name) ? variables[name] : undefined);
  return template.replace(
    PLACEHOLDER,
    (_, name: string) => value(name) ?? value(name.trim()) ?? '',
  );
}

/** The distinct placeholder names a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!.trim();
    if (name !== '') seen.add(name);
  }
  return [...seen];
}
