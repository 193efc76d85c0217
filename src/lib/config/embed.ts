// Which host pages may talk to this app through postMessage when it is embedded in an iframe:
// the app's own origin plus those the deployer lists at build time in VITE_EMBED_ORIGINS.
// Whether a page may frame the app at all is the server's Content-Security-Policy
// frame-ancestors header (see vite.config.ts and README).
import { embedOrigins } from '../utils/embed-origins.ts';

export const EMBED_ORIGINS: readonly string[] = embedOrigins(import.meta.env['VITE_EMBED_ORIGINS'] as string | undefined, location.origin);

/** `?embed=1`: the compact chat for iframes, without the sidebar and panels. */
export const EMBED_MODE = new URLSearchParams(location.search).get('embed') === '1';
