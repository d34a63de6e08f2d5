import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonLossless } from '@switchboard/channels';

/**
 * The shared channel fixtures live outside the repository (/work/shared next to /work/main);
 * SWITCHBOARD_FIXTURES_DIR overrides the location (for CI or another checkout layout).
 */
function fixturesDir(): string {
  const fromEnv = process.env.SWITCHBOARD_FIXTURES_DIR;
  if (fromEnv) return fromEnv;
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  return resolve(repoRoot, '../shared/fixtures/channels');
}

/** Absolute path of a fixture, e.g. `fixture('telegram/text_private.json')`. */
export function fixture(path: string): string {
  return resolve(fixturesDir(), path);
}

/** A fixture's text, byte for byte (signatures are checked over exact bytes). */
export function fixtureText(path: string): string {
  return readFileSync(fixture(path), 'utf8');
}

/** A JSON fixture parsed the way ingress parses webhooks: big integers stay exact strings. */
export function fixtureJson(path: string): unknown {
  return parseJsonLossless(fixtureText(path));
}
