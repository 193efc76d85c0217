// The Content-Security-Policy, built once for the build's <meta> tag and the servers' header
// (vite.config.ts), and the connect-src check the app runs before it talks to a host the user
// configured, so a host the policy blocks gets a clear message instead of a bare network error.
// Pure: the deployer's extra hosts (VITE_CONNECT_SRC) are passed in.

/** The built-in model sources and the hosts their downloads redirect to. */
const BUILT_IN_CONNECT_SRC = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://hf-mirror.com',
  'https://*.hf-mirror.com',
  'https://modelscope.cn',
  'https://*.modelscope.cn',
  'https://*.aliyuncs.com',
] as const;

/** Host sources from a space- or comma-separated list (VITE_CONNECT_SRC). */
export function parseSourceList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

export function connectSources(extra: readonly string[]): string[] {
  return ["'self'", 'blob:', 'data:', ...BUILT_IN_CONNECT_SRC, ...extra];
}

/**
 * Scripts only from this origin, plus WebAssembly compilation (onnxruntime-web): no eval, no
 * inline script. Styles are left open: Svelte and KaTeX set inline styles.
 */
export function contentSecurityPolicy(extraConnect: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `connect-src ${connectSources(extraConnect).join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** Whether connect-src lets this page (at `origin`) fetch `url`. */
export function connectAllowed(url: string, sources: readonly string[], origin: string): boolean {
  let target: URL;
  try {
    target = new URL(url, origin);
  } catch {
    return false;
  }
  return sources.some((source) => matches(source, target, origin));
}

function matches(source: string, target: URL, origin: string): boolean {
  if (source === "'self'") return target.origin === origin;
  if (/^[a-z][a-z0-9+.-]*:$/i.test(source)) return target.protocol === source.toLowerCase();
  const parsed = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^:/]+)(?::(\d+|\*))?(\/.*)?$/i.exec(source);
  if (!parsed) return false;
  const [, scheme, wildcard, host, port] = parsed;
  const targetScheme = target.protocol.slice(0, -1);
  if (scheme ? scheme.toLowerCase() !== targetScheme : targetScheme !== 'https' && targetScheme !== 'http') return false;
  const hostname = target.hostname.toLowerCase();
  const wanted = host!.toLowerCase();
  if (wildcard ? !hostname.endsWith(`.${wanted}`) : hostname !== wanted) return false;
  const defaultPort = targetScheme === 'https' ? '443' : '80';
  return port === '*' || (port ?? defaultPort) === (target.port || defaultPort);
}
