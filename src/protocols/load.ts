/**
 * Protocols by reference: a built-in name ("tendermint") or a user's module path
 * ("./my-protocol.ts"). A module's default export is a protocol spec (defineProtocol's
 * input), a protocol, or a factory taking a mutant name and returning either; it may list
 * its mutants as a `mutants` export ({ name, description }[]). Worker threads load the
 * same reference, so a user's protocol runs in parallel campaigns too.
 */
import { isAbsolute, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { MutantInfo, Protocol } from '../core/types.ts';
import { UserError } from '../core/errors.ts';
import { defineProtocol, specProblem } from '../core/define.ts';
import { createProtocol, protocolEntry } from './registry.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProtocol = Protocol<any, any>;

/** A protocol a campaign can rebuild anywhere (a worker thread): a built-in name or a module file URL. */
export type ProtocolRef = { readonly builtin: string } | { readonly module: string };

export interface LoadedProtocol {
  readonly ref: ProtocolRef;
  readonly mutants: readonly MutantInfo[];
  create(mutant?: string | null): AnyProtocol;
}

/** Does this --protocol value name a file rather than a built-in protocol? */
export function isModuleSpecifier(s: string): boolean {
  return s.startsWith('.') || isAbsolute(s) || s.startsWith('file:') || /\.(ts|mts|js|mjs|cjs)$/.test(s);
}

function looksLikeProtocol(x: unknown): x is AnyProtocol {
  const r = x as Record<string, unknown>;
  return typeof r === 'object' && r !== null && typeof r['init'] === 'function' && typeof r['onMessage'] === 'function' && Array.isArray(r['invariants']);
}

/** Turn a module's default export (spec, protocol or factory) into a protocol, or say what is missing. */
export function protocolFromExport(value: unknown, mutant: string | undefined, where: string): AnyProtocol {
  const built = typeof value === 'function' ? (value as (m?: string) => unknown)(mutant) : value;
  if (looksLikeProtocol(built)) return mutant === undefined || built.mutant === mutant ? built : { ...built, mutant };
  if (typeof built === 'object' && built !== null && 'node' in built) return defineProtocol(built as never, mutant);
  const problem = specProblem(built) ?? 'not a protocol';
  throw new UserError(`${where}: the default export does not look like a protocol: ${problem}`);
}

async function importModule(url: string, where: string): Promise<Record<string, unknown>> {
  if (/\.(ts|mts|cts)$/.test(url)) {
    // TypeScript modules need a loader; tsx provides one (a dev dependency of most TS projects).
    try {
      const tsx = (await import('tsx/esm/api')) as { register(): unknown };
      tsx.register();
    } catch {
      throw new UserError(`${where}: loading a TypeScript protocol needs tsx (npm install --save-dev tsx), or point --protocol at compiled JavaScript`);
    }
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${where}: cannot load the module: ${(e as Error).message}`);
  }
}

/** Load a protocol by reference: a built-in name, or a module path (relative to the cwd) or file URL. */
export async function loadProtocol(spec: string): Promise<LoadedProtocol> {
  if (!isModuleSpecifier(spec)) {
    const entry = protocolEntry(spec);
    return { ref: { builtin: entry.name }, mutants: entry.mutants, create: (m) => createProtocol(entry.name, m) };
  }
  const url = spec.startsWith('file:') ? spec : pathToFileURL(resolve(spec)).href;
  if (!spec.startsWith('file:') && !existsSync(resolve(spec))) throw new UserError(`--protocol ${spec}: no such file`);
  const mod = await importModule(url, spec);
  if (!('default' in mod) || mod['default'] === undefined) throw new UserError(`${spec}: the module has no default export (export default a protocol spec, a protocol, or a factory taking a mutant name)`);
  const mutants = (Array.isArray(mod['mutants']) ? mod['mutants'] : []) as MutantInfo[];
  const value = mod['default'];
  // Fail now, in the caller's thread, if the export is not a protocol.
  protocolFromExport(value, undefined, spec);
  return {
    ref: { module: url },
    mutants,
    create: (m) => {
      if (m !== undefined && m !== null && mutants.length > 0 && !mutants.some((x) => x.name === m)) {
        throw new UserError(`protocol ${spec} has no mutant ${JSON.stringify(m)} (known: ${mutants.map((x) => x.name).join(', ')})`);
      }
      return protocolFromExport(value, m ?? undefined, spec);
    },
  };
}

/** Rebuild a protocol from its reference (in a worker thread). */
export async function loadRef(ref: ProtocolRef): Promise<LoadedProtocol> {
  return loadProtocol('builtin' in ref ? ref.builtin : ref.module);
}
