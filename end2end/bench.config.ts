import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The client benchmarks (docs/benchmarks.md, "The client"): the same release server and seed as
// the browser tests, another folder. Run by hand after `cargo leptos build --release --split
// --precompress` (what `cargo xtask bench-client` does): `npx playwright test --config bench.config.ts`.
export default defineConfig({ ...base, testDir: "./bench", timeout: 300_000 });
