/**
 * The rules studio page, built at install (npm's postinstall) into studio/dist, which the service
 * serves at /studio: one HTML file and hashed scripts, nothing inline (the page's CSP allows
 * scripts from the service only).
 */
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/studio/",
  logLevel: "warn",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      // Fluent UI marks its modules "use client" for server rendering, which a plain page does not do.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  oxc: { jsx: { runtime: "automatic" } },
});
