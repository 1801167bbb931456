/**
 * What every verb module exports: its option table and a run function returning the exit code
 * (0 done; 1 done and something above --fail-on was found; 2 is thrown as UserError).
 */
import type { CommandSpec, ParsedArgs } from './args.js';
import type { Progress } from './progress.js';

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly progress: Progress;
  /** results go here (stdout) */
  readonly out: (text: string) => void;
  readonly json: boolean;
}

export interface Command {
  readonly spec: CommandSpec;
  run(ctx: CommandContext): Promise<number>;
}
