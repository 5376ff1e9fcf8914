// Writes provider/config.validate.cjs: the provider configuration's validator, compiled ahead of
// time from provider/config.schema.json by ajv (standalone code, the same options config.ts uses:
// draft 2020-12, allErrors, strict, ajv-formats). The provider then starts without loading ajv or
// compiling the schema (about 200 ms). The file records the schema's SHA-256; config.ts compiles
// the schema itself when they differ, so a stale file costs time, never correctness.
// Run after changing the schema: node scripts/gen-config-validator.ts (test/provider/config-validator.test.ts checks it).
import { writeFileSync } from 'node:fs';
import { configValidatorSource } from '../provider/config.ts';

const target = new URL('../provider/config.validate.cjs', import.meta.url);
writeFileSync(target, configValidatorSource());
console.log(`wrote ${target.pathname}`);
