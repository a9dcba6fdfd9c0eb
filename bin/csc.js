#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm install` (the prepare script); this stub keeps the bin path stable.
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('csc is not built yet: run `npm install` (or `npm run build`) in the project root.');
    process.exit(1);
  }
  throw error;
});
