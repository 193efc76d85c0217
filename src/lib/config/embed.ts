// Which host pages may talk to this app through postMessage when it is embedded in an iframe:
// the app's own origin plus those the deployer lists at build time in VITE_EMBED_ORIGINS.
// Whether a page may frame the app at all is the server's Content-Security-Policy
// frame-ancestors header (see vite.config.ts and README).
import { embedOrigins } from '../utils/embed-origins.ts';

export const EMBED_ORIGINS: readonly string[] = embedOrigins(import.meta.env['VITE_EMBED_ORIGINS'] as string | undefined, location.origin);

/** `?embed=1`: the compact chat for iframes, without the sidebar and panels. */
export const EMBED_MODE = new URLSearchParams(location.search).get('embed') === '1';

/** Whether the user's saved conversations and remote-server settings (with its key) are in reach:
 * in the full app, and in the embed only when the deployer sets VITE_EMBED_USER_DATA=1. Otherwise
 * an embed chats in memory on this device's engine, so a host page never shows or spends them. */
export const USER_DATA = !EMBED_MODE || import.meta.env['VITE_EMBED_USER_DATA'] === '1';
