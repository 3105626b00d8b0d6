#!/usr/bin/env node
// The installed command (package.json "bin"): run the CLI with the process arguments.
import { main } from './main.ts';

main(process.argv.slice(2)).then((code) => process.exit(code));
