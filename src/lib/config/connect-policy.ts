/// <reference types="vite/client" />
// Whether this build's Content-Security-Policy lets the page connect to a URL: the built-in
// sources plus VITE_CONNECT_SRC, the list vite.config.ts put into the policy.
import { connectAllowed, connectSources, parseSourceList } from './csp.ts';

export function policyAllows(url: string): boolean {
  const origin = globalThis.location.origin;
  return connectAllowed(url, connectSources(parseSourceList(import.meta.env['VITE_CONNECT_SRC'] as string | undefined)), origin);
}
