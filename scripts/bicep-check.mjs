#!/usr/bin/env node
// Compiles and lints the Bicep in infra/ with the real Bicep CLI, and fails on any error or warning.
//
//   node scripts/bicep-check.mjs        (npm run check:bicep; `npm test` runs it before vitest)
//
// Where the CLI comes from, in order:
//   1. `bicep` on PATH (a developer's own install).
//   2. Otherwise, with the .NET SDK present, the self-contained CLI from NuGet
//      (Azure.Bicep.CommandLine.<rid>, pinned below), restored once into .tools/nuget through the
//      throwaway project tools/bicep/bicep.proj and reused on later runs.
//   3. Otherwise the check cannot run: a loud notice and exit 0 on a developer machine, but exit 1
//      when CI=true, so CI never passes without having compiled the templates.
//
// The compiled ARM template is left at .tools/arm/main.json: test/infra reads it.
// Plain Node ESM with no dependencies, so it runs before (or without) the TypeScript toolchain.

import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** Bump together with a look at the API versions in infra/: each CLI release bundles its own types. */
const BICEP_VERSION = '0.49.2';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.tools');
const entry = join('infra', 'main.bicep');
const armOut = join('.tools', 'arm', 'main.json');
const inCi = process.env.CI === 'true';

/** @param {string} message */
function log(message) {
  console.log(`[check:bicep] ${message}`);
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`[check:bicep] FAILED: ${message}`);
  process.exit(1);
}

/**
 * Runs a command to completion and captures stdout and stderr (Bicep writes diagnostics to stderr).
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  /** @type {NodeJS.ErrnoException | undefined} */
  const error = result.error;
  // Null, despite the typings, when the command could not be started at all.
  /** @type {(string | null)[]} */
  const streams = [result.stdout, result.stderr];
  return {
    missing: error?.code === 'ENOENT',
    error,
    status: result.status,
    output: streams.map((text) => text ?? '').join(''),
  };
}

/** @returns {string} */
function nugetRid() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (os === undefined || arch === undefined) {
    fail(`no Bicep CLI package for ${process.platform}/${process.arch}; install bicep and put it on PATH`);
  }
  return `${os}-${arch}`;
}

function nugetPackage() {
  const rid = nugetRid();
  const id = `Azure.Bicep.CommandLine.${rid}`;
  const exe = join(toolsDir, 'nuget', id.toLowerCase(), BICEP_VERSION, 'tools', rid.startsWith('win') ? 'bicep.exe' : 'bicep');
  return { id, exe };
}

/** The CLI from NuGet: restored on first use, then the cached copy is reused. */
function restoredBicep() {
  const { id: packageId, exe } = nugetPackage();
  const packagesDir = join(toolsDir, 'nuget');
  if (existsSync(exe)) {
    log(`using the cached ${packageId} ${BICEP_VERSION} (${relative(root, exe)})`);
  } else {
    log(`restoring ${packageId} ${BICEP_VERSION} from NuGet into ${relative(root, packagesDir)} (first run only)`);
    // Keep restore's obj/ output out of the source tree as well.
    const objDir = join(toolsDir, 'bicep-restore', 'obj') + '/';
    const restore = run('dotnet', [
      'restore',
      join('tools', 'bicep', 'bicep.proj'),
      '--packages',
      packagesDir,
      `-p:BicepPackageId=${packageId}`,
      `-p:BicepVersion=${BICEP_VERSION}`,
      `-p:MSBuildProjectExtensionsPath=${objDir}`,
    ]);
    if (restore.status !== 0 || !existsSync(exe)) {
      fail(`dotnet restore of ${packageId} ${BICEP_VERSION} did not produce ${relative(root, exe)}:\n${restore.output}`);
    }
    rmSync(join(toolsDir, 'bicep-restore'), { recursive: true, force: true });
  }
  // NuGet packing can drop the executable bit.
  chmodSync(exe, 0o755);
  return exe;
}

/**
 * The CLI is a .NET app that needs ICU unless told to run invariant. Try it as it is first, and fall
 * back to invariant globalization (harmless for compiling templates) only when ICU is missing.
 * @param {string} bicep
 * @returns {NodeJS.ProcessEnv}
 */
function bicepEnvironment(bicep) {
  const probe = run(bicep, ['--version']);
  if (probe.status === 0) {
    log(probe.output.trim());
    return process.env;
  }
  if (/ICU/i.test(probe.output)) {
    log('libicu not found: running the Bicep CLI with DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1');
    const env = { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' };
    const retry = run(bicep, ['--version'], env);
    if (retry.status === 0) {
      log(retry.output.trim());
      return env;
    }
    fail(`the Bicep CLI does not start, even without ICU:\n${retry.output}`);
  }
  fail(`the Bicep CLI does not start (${bicep} --version):\n${probe.error?.message ?? probe.output}`);
}

/**
 * Diagnostic lines look like `<file>(line,col) : Warning <code>: <message>`.
 * @param {string} output
 * @returns {string[]}
 */
function diagnostics(output) {
  return output.split(/\r?\n/).filter((line) => / : (Error|Warning) /.test(line));
}

function locateBicep() {
  if (!run('bicep', ['--version']).missing) {
    log('using bicep from PATH');
    return 'bicep';
  }
  // A CLI restored earlier serves even if dotnet has gone from PATH since.
  if (existsSync(nugetPackage().exe) || !run('dotnet', ['--version']).missing) {
    return restoredBicep();
  }
  const banner = '!'.repeat(78);
  const message = [
    banner,
    'The Bicep check did NOT run: neither `bicep` nor `dotnet` is on PATH.',
    'infra/ is neither compiled nor linted; test/infra needs .tools/arm/main.json and fails without it.',
    'Install the Bicep CLI (az bicep install, or a release binary on PATH) or the .NET SDK.',
    banner,
  ].join('\n');
  console.error(message);
  process.exit(inCi ? 1 : 0);
}

const bicep = locateBicep();
const env = bicepEnvironment(bicep);
mkdirSync(dirname(join(root, armOut)), { recursive: true });
rmSync(join(root, armOut), { force: true });

/** @type {string[]} */
const problems = [];
const build = run(bicep, ['build', entry, '--outfile', armOut], env);
process.stdout.write(build.output);
if (build.status !== 0) problems.push(`bicep build exited with ${String(build.status)}`);
problems.push(...diagnostics(build.output));

// Lint every file, modules included, so a module is checked even before main.bicep uses it.
const lint = run(bicep, ['lint', '--pattern', 'infra/**/*.bicep'], env);
process.stdout.write(lint.output);
if (lint.status !== 0) problems.push(`bicep lint exited with ${String(lint.status)}`);
problems.push(...diagnostics(lint.output));

if (problems.length > 0) {
  rmSync(join(root, armOut), { force: true });
  fail(`zero errors and zero warnings are required; found:\n${[...new Set(problems)].join('\n')}`);
}
log(`OK: no errors, no warnings; ARM template at ${armOut}`);
