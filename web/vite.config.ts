import { readFileSync } from 'node:fs'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }

// The API the dev server proxies to (`laskutin serve` listens on 8000 by default).
const apiTarget = process.env.LASKUTIN_API_URL ?? 'http://127.0.0.1:8000'

// The version the app shows (Settings): package.json's, or LASKUTIN_APP_VERSION when set (the
// browser test builds a second, newer version this way and checks that the open app updates).
const appVersion = process.env.LASKUTIN_APP_VERSION || pkg.version

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(appVersion) },
  build: {
    // Content-hashed names (Vite's default) under dist/assets; no source maps in the shipped files.
    assetsDir: 'assets',
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/.well-known': { target: apiTarget, changeOrigin: false },
    },
  },
  plugins: [
    svelte(),
    VitePWA({
      // 'prompt': a new version waits until the user presses "Update", so an update never
      // reloads the page under a half-filled form (frontend-stack.md, pitfall 5).
      registerType: 'prompt',
      // injectRegister left at its default: the app registers through virtual:pwa-register/svelte.
      includeAssets: ['favicon.svg', 'apple-touch-icon.png', 'robots.txt'],
      manifest: {
        name: 'Laskutin',
        short_name: 'Laskutin',
        description: 'Laskutus suomalaisille yrityksille – Fakturering – Invoicing',
        lang: 'fi',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4ed8',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Only js, css and html: icons and the manifest are added once by the plugin (pitfall 4).
        globPatterns: ['**/*.{js,css,html}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/\.well-known\//, /^\/healthz/, /^\/readyz/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        // The first install takes over the open page; later versions wait for the user's "Update".
        clientsClaim: true,
        skipWaiting: false,
      },
    }),
  ],
})
