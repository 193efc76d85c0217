// The host pages of the iframe tests, each on an origin of its own beside the app's: one the
// app lists as an embedder (may frame it and call it), one that may frame it but not call it,
// and one that may do neither. playwright.config.ts builds and serves the app with these lists.
export const APP_PORT = Number(process.env['QWEN_APP_PORT'] ?? 4173);
export const ALLOWED_HOST = `http://localhost:${APP_PORT + 8}`;
export const FRAMING_ONLY_HOST = `http://localhost:${APP_PORT + 9}`;
export const STRANGER_HOST = `http://localhost:${APP_PORT + 10}`;
/** A site that is no embedder and tries /v1 by form post and `no-cors` fetch (e2e/api-cross-origin.spec.ts). */
export const HOSTILE_HOST = `http://localhost:${APP_PORT + 11}`;

/** The app's build and server settings for the embedding tests. */
export const EMBED_ENV = {
  VITE_EMBED_ORIGINS: ALLOWED_HOST,
  QWEN_FRAME_ANCESTORS: `'self' ${ALLOWED_HOST} ${FRAMING_ONLY_HOST}`,
};
