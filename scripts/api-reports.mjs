// Checks each package's API report (packages/<name>/<name>.api.md) against its built
// declarations, or rewrites the reports with --local (`npm run api:update`). Needs
// `npm run build` first: API Extractor reads dist/index.d.ts, not the sources.
//
// One process for all packages, on one TypeScript program holding every entry point: six
// `api-extractor run` processes would each load the compiler and parse core's declarations
// again.
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const PACKAGES = ['core', 'actors', 'store-lmdb', 'store-postgres', 'engine', 'testkit', 'cli', 'ui'];
const local = process.argv.includes('--local');

const configs = PACKAGES.map((name) =>
  ExtractorConfig.loadFileAndPrepare(
    new URL(`../packages/${name}/api-extractor.json`, import.meta.url).pathname,
  ),
);
const compilerState = CompilerState.create(configs[0], {
  additionalEntryPoints: configs.map((config) => config.mainEntryPointFilePath),
});

const failed = [];
for (const config of configs) {
  const result = Extractor.invoke(config, {
    localBuild: local,
    compilerState,
    printApiReportDiff: !local,
    messageCallback: (message) => {
      // The per-package banner and "analysis will use TypeScript x" lines say nothing new.
      if (message.messageId === 'console-preamble' || message.messageId === 'console-compiler-version-notice')
        message.handled = true;
    },
  });
  if (!result.succeeded) failed.push(config.packageJson?.name ?? config.projectFolder);
}

if (failed.length > 0) {
  console.error(
    `\nAPI check failed for ${failed.join(', ')}.\n` +
      (local
        ? 'Fix the errors above (an undocumented export is an error).'
        : 'If the change of the public surface is intended, run `npm run api:update` and commit the reports.'),
  );
  process.exit(1);
}
console.log(local ? 'API reports written.' : 'API reports match the public surfaces.');
