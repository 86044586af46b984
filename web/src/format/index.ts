// The format module as one entry (assets/parley-format.js), so tests can load exactly the code the
// app runs into a page and check it against docs/secret-format-vectors.json.
export * as b64u from './b64u';
export * as link from './link';
export * as secret from './secret';
export * as request from './request';
export * as seal from './seal';
