// Preloaded (node --require) into Stryker and its test-runner children.
// Mocha 12 renamed its cli internals to `.cjs`; @stryker-mutator/mocha-runner 9.6 requires them without an
// extension (`mocha/lib/cli/run-helpers`, `.../options`, `.../collect-files`), so importing the plugin throws
// and Stryker reports "no TestRunner plugins were loaded". Upstream fix: stryker-js pull request 6205.
// Only those extensionless requests are retried with `.cjs`; every other resolution is left alone.
'use strict';
const Module = require('node:module');

const MOCHA_CLI_INTERNAL = /[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/;
const resolve = Module._resolveFilename;

Module._resolveFilename = function resolveMochaCliInternal(request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND' || !MOCHA_CLI_INTERNAL.test(request)) throw error;
    return resolve.call(this, `${request}.cjs`, ...rest);
  }
};
