// The status page's script, as the service serves it: the compiled text of `statusPage`, written
// in TypeScript against the DOM in ./browser. Every compiler the project runs (webpack's ts-loader
// for the apps, ts-jest, tsx) compiles that folder with the rest, so the page needs no build step
// of its own, and the text served is always that of the code that was checked.
//
// Required rather than imported: an import would make the browser folder part of the Node
// program, whose types know no DOM. The folder's own tsconfig.json checks it (`npm run typecheck`).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { statusPage } = require('./browser/status-page.browser') as { statusPage: () => void };

/**
 * esbuild, which tsx runs, keeps function names by wrapping each named function in a helper of
 * its module scope, `__name`, which the text of a single function does not carry: the page gets a
 * stand-in. Other compilers leave the name alone and the stand-in unused.
 */
const keepNamesHelper = 'var __name = function (target) { return target; };';

export const statusPageScript = `'use strict';\n${keepNamesHelper}\n(${statusPage.toString()})();\n`;
