// Agent greetings and prompts use `{column}` placeholders filled from a CSV row's variables.
//
// A placeholder finds its variable by exact name first, then by a normalised alias (lower case,
// accents folded, letters and digits only), so `{first_name}` finds a column a CRM export calls
// `First Name`, and `{prenom}` a French `Prénom`.
// This is the one lookup every reader of templates uses: the renderer (simulator transcripts),
// and ingest's checks of which agent variables a file provides (ingest/agent-variables.ts).

const PLACEHOLDER = /\{([^{}\n]*)\}/g;

const aliasOf = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

/** Aliases already worked out: the same few column names come back with every call. */
const knownAliases = new Map<string, string>();
const KNOWN_ALIASES_MAX = 1_024;

/** `First Name`, `first_name` and `FIRST-NAME` share the alias `firstname`; `Téléphone` is `telephone`. */
export function variableAlias(name: string): string {
  let alias = knownAliases.get(name);
  if (alias === undefined) {
    alias = aliasOf(name);
    if (knownAliases.size >= KNOWN_ALIASES_MAX) knownAliases.clear();
    knownAliases.set(name, alias);
  }
  return alias;
}

/**
 * A finder over a row's variable names: `find(name)` is the key that provides `name` (itself,
 * its trimmed form, or the key sharing its alias), or undefined. When several keys share an
 * alias the one that sorts first wins, whatever order the keys come in (stored rows come back
 * from jsonb in its own key order, previews in file order: both must pick the same column).
 */
export function variableFinder(keys: Iterable<string>): (name: string) => string | undefined {
  const exact = new Set<string>();
  const byAlias = new Map<string, string>();
  for (const key of keys) {
    exact.add(key);
    const alias = variableAlias(key);
    if (alias === '') continue;
    const held = byAlias.get(alias);
    if (held === undefined || key < held) byAlias.set(alias, key);
  }
  return (name) => {
    if (exact.has(name)) return name;
    const trimmed = name.trim();
    if (exact.has(trimmed)) return trimmed;
    const alias = variableAlias(trimmed);
    return alias === '' ? undefined : byAlias.get(alias);
  };
}

/** A lookup of template names in one row's variables (own properties only). */
export function variableLookup(
  variables: Readonly<Record<string, string>>,
): (name: string) => string | undefined {
  // Own keys only: a column named `constructor` must not reach Object.prototype.
  const find = variableFinder(Object.keys(variables));
  return (name) => {
    const key = find(name);
    return key === undefined ? undefined : variables[key];
  };
}

/** Fills every `{name}`; an unknown name renders as empty text, never as the literal braces. */
export function renderTemplate(
  template: string,
  variables: Readonly<Record<string, string>>,
): string {
  const lookup = variableLookup(variables);
  return template.replace(PLACEHOLDER, (_, name: string) => lookup(name) ?? '');
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
