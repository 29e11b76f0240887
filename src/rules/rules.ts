/** The rules' former single file; the registry is ./index.ts, each rule in its own file. */
export * from './index';
