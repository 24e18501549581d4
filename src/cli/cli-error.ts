/** A command failed for a reason the user can act on: printed as one line, exit code 2. */
export class CliError extends Error {}
