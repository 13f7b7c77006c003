import { build, type BuildOptions, type Plugin } from 'esbuild';

/**
 * Bundles the app into dist/app/, the only code a deployment ships: main.js (every function) and
 * identity.js (@azure/identity, loaded on the first token request, so only in Azure). Compiling one
 * file instead of reading a few hundred under node_modules is most of a Node cold start, and the
 * bundle is built from ESM sources so unused code (zod's locales, unused SDK surface) is dropped.
 */
const shared: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Names are not kept: __name() wrappers on every function cost start-up time, and the app never
  // relies on a constructor name (its errors set `name` themselves).
  keepNames: false,
  sourcemap: 'external',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  // ESM builds of some packages call createRequire(import.meta.url); a CJS bundle has no
  // import.meta, so it is given the bundle's own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
};

/** The app's import('@azure/identity') becomes a require of the identity bundle beside it. */
const identityBesideMain: Plugin = {
  name: 'identity-beside-main',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@azure\/identity$/ }, () => ({ path: './identity.js', external: true }));
  },
};

async function main(): Promise<void> {
  const results = await Promise.all([
    build({
      ...shared,
      entryPoints: ['src/main.ts'],
      outfile: 'dist/app/main.js',
      // Provided by the Functions worker at run time; not a package.
      external: ['@azure/functions-core'],
      plugins: [identityBesideMain],
    }),
    build({ ...shared, stdin: { contents: "export * from '@azure/identity';", resolveDir: process.cwd(), loader: 'ts' }, outfile: 'dist/app/identity.js' }),
  ]);
  for (const result of results) {
    for (const [file, output] of Object.entries(result.metafile?.outputs ?? {})) {
      if (file.endsWith('.js')) console.log(`bundled ${file} (${(output.bytes / 1024).toFixed(0)} KB)`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
