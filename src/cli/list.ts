import { PROTOCOLS } from '../protocols/registry.ts';
import { loadProtocol } from '../protocols/load.ts';
import { GENERIC_INVARIANTS } from '../check/invariants.ts';
import { parseArgs } from 'node:util';

const HELP = `usage: consensus-harness list [--protocol NAME|./my-protocol.ts]

Print the protocols the harness knows, each one's mutants (deliberate bugs the
properties must catch) and invariants (checked after every step), by name. With
--protocol, only that protocol (a built-in name or the module of your own).`;

export async function listCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h', default: false }, protocol: { type: 'string' } }, allowPositionals: false, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  console.log('generic invariants (every protocol):');
  for (const [name, what] of Object.entries(GENERIC_INVARIANTS)) console.log(`  ${name.padEnd(24)} ${what}`);
  const entries = values.protocol === undefined
    ? Object.values(PROTOCOLS)
    : await loadProtocol(values.protocol).then((l) => [{ name: l.create(undefined).name, description: values.protocol!, mutants: l.mutants, create: () => l.create(undefined) }]);
  for (const entry of entries) {
    console.log(`\n${entry.name}: ${entry.description}`);
    const p = entry.create();
    console.log('  invariants:');
    for (const inv of p.invariants) console.log(`    ${inv.name.padEnd(24)} ${inv.description}`);
    for (const inv of p.worldInvariants ?? []) console.log(`    ${inv.name.padEnd(24)} ${inv.description}`);
    for (const inv of p.finalInvariants ?? []) console.log(`    ${inv.name.padEnd(24)} ${inv.description} (checked when the run ends)`);
    if (p.witnesses?.length) {
      console.log('  witnesses (sometimes: a campaign reports those it never reached):');
      for (const w of p.witnesses) console.log(`    ${w.name.padEnd(24)} ${w.description}`);
    }
    console.log('  mutants:');
    for (const m of entry.mutants) console.log(`    ${m.name.padEnd(24)} ${m.description}${m.needs ? ` (needs ${m.needs === 'reboots' ? '--reboots' : '--post-gst'}: fuzz turns it on)` : ''}`);
  }
  return 0;
}
