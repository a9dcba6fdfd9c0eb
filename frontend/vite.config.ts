import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv, type Plugin } from 'vite';

/** The whole app's JavaScript, gzipped, must stay below this (issue 4). */
const JS_BUDGET_BYTES = 250 * 1024;

/** Prints the gzipped size of all JavaScript in the bundle and fails the build over the budget. */
function bundleBudget(): Plugin {
  let total = 0;
  return {
    name: 'csc-bundle-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      total = 0;
      for (const output of Object.values(bundle)) if (output.type === 'chunk') total += gzipSync(output.code).length;
      if (total > JS_BUDGET_BYTES) this.error(`dashboard JavaScript is ${kib(total)} gzip, over the ${kib(JS_BUDGET_BYTES)} budget`);
    },
    // Last, after Vite's per-file table, where a reader of the build output looks.
    closeBundle() {
      console.log(`dashboard JavaScript: ${kib(total)} gzip (budget ${kib(JS_BUDGET_BYTES)})`);
    },
  };
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export default defineConfig(({ mode }) => {
  // The master's port, from the environment or the project's .env, as `csc master` reads it.
  const env = loadEnv(mode, fileURLToPath(new URL('..', import.meta.url)), 'MASTER_HTTP_');
  const target = `http://127.0.0.1:${env.MASTER_HTTP_PORT || '8080'}`;
  return {
    // No React plugin: esbuild compiles JSX, and one dependency fewer outweighs fast refresh.
    esbuild: { jsx: 'automatic' },
    plugins: [bundleBudget()],
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: {
        onwarn(warning, warn) {
          // TanStack Query marks its modules "use client" for React Server Components, which a
          // browser bundle has no use for; the React plugin would hide these, we do without it.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || (warning.code === 'SOURCEMAP_ERROR' && warning.message.includes('resolve original location'))) return;
          warn(warning);
        },
      },
    },
    server: {
      port: 5173,
      strictPort: true,
      // The event streams pass through unbuffered: the proxy pipes the response as it arrives.
      proxy: { '/api': { target, changeOrigin: true } },
    },
  };
});
