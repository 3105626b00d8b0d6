#!/usr/bin/env node
/**
 * consensus-harness command line: fuzz, replay, explain, list. Thin: every command is a
 * few calls into the layers below. Exit codes: 0 ok, 1 a property failed (an exception in
 * protocol code included) or a fixture did not replay as expected, 2 bad input, 3 an
 * internal error of the harness.
 */
import { ProtocolFault, UserError } from '../core/errors.ts';
import { fuzzCommand } from './fuzz.ts';
import { replayCommand, explainCommand } from './replay.ts';
import { listCommand } from './list.ts';
import { checkCommand } from './check.ts';

const HELP = `consensus-harness: property-based verification of consensus protocols

usage: consensus-harness <command> [options]     (npm run cli -- <command> ...)

commands:
  fuzz       run a fuzz campaign on a protocol (default tendermint); shrink and save any failure
  replay     replay a fixture (or a fast-check --seed/--path) and check its expected outcome
  explain    print a fixture's run as a readable timeline
  list       protocols, mutants and invariants
  check      exhaustive bounded search of one small configuration (check --exhaustive --depth D)

Run 'consensus-harness <command> --help' for the options of a command.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP);
        return command === undefined ? 2 : 0;
      case 'fuzz':
        return await fuzzCommand(rest);
      case 'replay':
        return await replayCommand(rest);
      case 'explain':
        return await explainCommand(rest);
      case 'list':
        return await listCommand(rest);
      case 'check':
        return await checkCommand(rest);
      default:
        throw new UserError(`unknown command ${JSON.stringify(command)} (commands: fuzz, replay, explain, list, check; see --help)`);
    }
  } catch (e) {
    if (e instanceof UserError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`error: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof ProtocolFault) {
      // Protocol code threw outside a checked run (e.g. while printing): still a finding.
      console.error(`exception in protocol code: ${e.message}`);
      return 1;
    }
    // Anything else is a bug of the harness itself (protocol exceptions are findings, exit 1).
    console.error(`internal error of consensus-harness (a bug of ours, not of your protocol): ${(e as Error)?.stack ?? String(e)}`);
    console.error(`please file it with this command line: consensus-harness ${argv.join(' ')}`);
    return 3;
  }
}


if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
