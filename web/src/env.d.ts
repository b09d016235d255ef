/** The package.json version, set by vite.config.ts / vitest.config.ts. */
declare const __APP_VERSION__: string
