/**
 * Environment gates for tests that need something outside Node (root, BTF,
 * Debian's sysdig). They skip with a reason on a machine that lacks it, except
 * under SCAP_TS_REQUIRE_LIVE=1 (set by .ci/run), where a missing prerequisite
 * fails instead: CI never silently skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRE_LIVE = process.env.SCAP_TS_REQUIRE_LIVE === '1';
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Copies of ../shared/fixtures/scap (real Falco/libs captures, unmodified), so a clean clone is self-contained. */
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'scap');

/** Returns a reason to skip, or undefined; throws when CI requires the prerequisite. */
export function prerequisite(ok: boolean, what: string): string | undefined {
  if (ok) return undefined;
  if (REQUIRE_LIVE) throw new Error(`SCAP_TS_REQUIRE_LIVE=1 but ${what}`);
  return what;
}

export const sysdigPath = ['/usr/bin/sysdig', '/usr/local/bin/sysdig'].find((p) => existsSync(p));

/** Skip reason for sysdig-based compatibility tests (undefined when sysdig is there). */
export const noSysdig = prerequisite(sysdigPath !== undefined, 'Debian sysdig is not installed (scripts/setup-system.sh installs it)');

export function sysdig(args: readonly string[]): string {
  const r = spawnSync(sysdigPath ?? 'sysdig', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`sysdig ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export const FIXTURE_NAMES = [
  'cat_write',
  'connect_localhost',
  'curl_google',
  'curl_google_comments',
  'open-multiple-files',
  'single_ipv6_conn',
  'syscall',
  'test_ipv6_client',
] as const;

export function fixture(name: string): string {
  return join(FIXTURES, `${name}.scap.gz`);
}
