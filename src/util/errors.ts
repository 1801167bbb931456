/**
 * Errors a user can act on. A `UserError` is bad input or a usage mistake: the CLI prints its
 * message on one line and exits 2, with no stack trace. Anything else is our bug and keeps its
 * stack (shown with --debug).
 *
 * Messages say what was wrong and where (file, line, column, byte offset, field), and what to do.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** exit code the CLI uses for this error */
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Where in an input a problem is: every part optional, rendered as "file line N, column "X"". */
export interface InputPlace {
  file?: string;
  line?: number;
  column?: string;
  byteOffset?: number;
}

export function describePlace(p: InputPlace): string {
  const parts: string[] = [];
  if (p.file !== undefined) parts.push(p.file);
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.column !== undefined) parts.push(`column ${quoteColumn(p.column)}`);
  if (p.byteOffset !== undefined) parts.push(`byte ${p.byteOffset}`);
  return parts.join(p.line !== undefined || p.column !== undefined ? ', ' : ' ').replace(/^([^,]*), line/, '$1 line');
}

/**
 * A column name as a message shows it: quoted, control characters escaped (a CR in a hostile
 * header must not rewrite the terminal line), cut to 100 characters.
 */
function quoteColumn(name: string): string {
  const cut = name.length > 100 ? `${name.slice(0, 100)}…` : name;
  return JSON.stringify(cut);
}

/** Bad input data, with its place. */
export class InputError extends UserError {
  readonly place: InputPlace;
  constructor(place: InputPlace, problem: string) {
    const where = describePlace(place);
    super(where ? `${where}: ${problem}` : problem);
    this.place = place;
  }
}

/** A parameter outside its domain, worded the way scikit-learn words it. */
export function checkParam(model: string, param: string, ok: boolean, expected: string, got: unknown): void {
  if (!ok) {
    throw new UserError(`The '${param}' parameter of ${model} must be ${expected}. Got ${JSON.stringify(got)} instead.`);
  }
}

export class NotFittedError extends Error {
  constructor(model: string) {
    super(`This ${model} is not fitted yet: call fit before using it.`);
  }
}
